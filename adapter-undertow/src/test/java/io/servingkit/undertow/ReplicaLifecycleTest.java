package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server as a replica behind a load balancer, run as a real process ({@code java ServingKitCli})
 * with a {@link HoldModeProvider} model whose loading and jobs the test holds and releases: liveness answers
 * while the startup models load and readiness does not (400 {@code {"ready":false}}, core's answer: a startup
 * model loading again makes the ready replica unready too); SIGTERM turns readiness false at once, new requests
 * are served for {@code drain_delay} and then refused with a JSON 503, the request in flight finishes; a request
 * that never finishes does not keep the process past {@code drain_timeout}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ReplicaLifecycleTest {

  private static final Duration WAIT = ServerProcess.WAIT;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void livenessAnswersWhileModelsLoadReadinessOnlyOnceLoaded() throws Exception {
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Path model = holdModel("held", hold, "hold.load=true\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config("").toString(), "-m", "held=" + model.toUri())) {
      URI base = p.awaitListening();
      Awaitility.await().atMost(WAIT).until(() -> Files.exists(hold.resolve("loading")));

      assertThat(get(base.resolve("/v2/health/live")).statusCode()).isEqualTo(200);
      HttpResponse<String> notReady = get(base.resolve("/v2/health/ready"));
      assertThat(notReady.statusCode()).isEqualTo(400);
      assertThat(json(notReady).get("ready").getAsBoolean()).isFalse();
      assertThat(get(base.resolve("/ping")).statusCode()).isEqualTo(503);
      HttpResponse<String> early = post(base.resolve("/predictions/held"), "job");
      assertThat(early.statusCode()).isEqualTo(503);
      assertThat(json(early).get("type").getAsString()).isEqualTo("ServiceUnavailableException");
      assertThat(json(early).get("message").getAsString()).contains("starting");

      Files.writeString(hold.resolve("release"), "");
      Awaitility.await().atMost(WAIT).until(() -> get(base.resolve("/v2/health/ready")).statusCode() == 200);
      assertThat(get(base.resolve("/ping")).statusCode()).isEqualTo(200);
      assertThat(get(base.resolve("/v2/health/live")).statusCode()).isEqualTo(200);
      assertThat(p.awaitAddresses()).containsExactly(base);
    }
  }

  @Test
  void sigtermTurnsReadinessFalseThenRefusesNewWorkWhileInFlightWorkFinishes() throws Exception {
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Path model = holdModel("held", hold, "");
    Path config = config("drain_delay=4s\ndrain_timeout=60s\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "held=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      assertThat(get(base.resolve("/v2/health/ready")).statusCode()).isEqualTo(200);
      CompletableFuture<HttpResponse<String>> inFlight = postAsync(base.resolve("/predictions/held"), "job");
      Awaitility.await().atMost(WAIT).until(() -> Files.exists(hold.resolve("entered-1")));

      p.terminate();
      Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
          .until(() -> get(base.resolve("/v2/health/ready")).statusCode() == 400);
      // within drain_delay: endpoints are being removed, new work is still served
      assertThat(get(base.resolve("/models")).statusCode()).isEqualTo(200);
      assertThat(get(base.resolve("/v2/health/live")).statusCode()).isEqualTo(200);

      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> get(base.resolve("/models")).statusCode() == 503);
      HttpResponse<String> refused = post(base.resolve("/predictions/held"), "late");
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(json(refused).get("message").getAsString()).contains("shutting down");
      assertThat(refused.headers().firstValue("connection")).hasValue("close");
      assertThat(p.isAlive()).isTrue();
      assertThat(inFlight).isNotDone();

      Files.writeString(hold.resolve("release"), "");
      HttpResponse<String> done = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isEqualTo("released:job");
      assertThat(p.awaitExit()).isEqualTo(143);
      assertThat(hold.resolve("entered-2")).as("the refused request never reached the model").doesNotExist();
    }
  }

  /**
   * Readiness is core's answer while the replica is READY too: a startup model that is loading again (unregistered,
   * then registered anew under its name, the load held) makes the server unready although the replica takes
   * traffic, and ready again once it is loaded. A gate answering readiness from its own state alone would say 200.
   */
  @Test
  void readinessWhileReadyIsCoresEveryStartupModelReady() throws Exception {
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Path model = holdModel("held", hold, "");
    Path reloadHold = Files.createDirectories(dir.resolve("reload-hold"));
    Path reload = holdModel("reload", reloadHold, "hold.load=true\n");
    Path config = config("allowed_urls=file:.*\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "held=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      HttpResponse<String> ready = get(base.resolve("/v2/health/ready"));
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(json(ready).get("ready").getAsBoolean()).isTrue();

      assertThat(send("DELETE", base.resolve("/models/held")).statusCode()).isEqualTo(200);
      String url = java.net.URLEncoder.encode(reload.toUri().toString(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(send("POST", base.resolve("/models?model_name=held&synchronous=false&url=" + url)).statusCode())
          .isEqualTo(202);
      Awaitility.await().atMost(WAIT).until(() -> Files.exists(reloadHold.resolve("loading")));
      HttpResponse<String> loading = get(base.resolve("/v2/health/ready"));
      assertThat(loading.statusCode()).isEqualTo(400);
      assertThat(json(loading).get("ready").getAsBoolean()).isFalse();
      // the replica itself still takes traffic: liveness and the rest of the API answer
      assertThat(get(base.resolve("/v2/health/live")).statusCode()).isEqualTo(200);
      assertThat(get(base.resolve("/models")).statusCode()).isEqualTo(200);

      Files.writeString(reloadHold.resolve("release"), "");
      Awaitility.await().atMost(WAIT).until(() -> get(base.resolve("/v2/health/ready")).statusCode() == 200);
    }
  }

  @Test
  void drainTimeoutBoundsHowLongAStuckRequestKeepsTheProcess() throws Exception {
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Path model = holdModel("held", hold, "");
    Path config = config("drain_timeout=1s\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "held=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      postAsync(base.resolve("/predictions/held"), "stuck");
      Awaitility.await().atMost(WAIT).until(() -> Files.exists(hold.resolve("entered-1")));
      p.terminate();
      // the held job would wait 60 s for its release: the process must be gone long before
      assertThat(p.awaitExit(Duration.ofSeconds(40))).isEqualTo(143);
      assertThat(p.stderr() + p.stdout()).contains("still running after PT1S");
    }
  }

  private static Path holdModel(String name, Path hold, String extra) throws IOException {
    Path model = Files.createDirectories(hold.getParent().resolve(name));
    Files.writeString(
        model.resolve("serving.properties"), "engine=Python\nhold.dir=" + hold.toString().replace("\\", "/") + "\n" + extra);
    return model;
  }

  private Path config(String extra) throws IOException {
    Path file = Files.createTempFile(dir, "config-", ".properties");
    Files.writeString(file, "inference_address=http://127.0.0.1:0\n" + extra);
    return file;
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI uri, String body) throws Exception {
    return postAsync(uri, body).get(30, TimeUnit.SECONDS);
  }

  private CompletableFuture<HttpResponse<String>> postAsync(URI uri, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
