package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server's command line, run as real processes ({@code java ServingKitCli} on the test class
 * path): flags, config.properties, environment overrides, clear failures with non-zero exits, and a SIGTERM
 * that drains the request in flight.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServingKitCliTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void unknownFlagPrintsUsageAndExits2() throws Exception {
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "--no-such-flag")) {
      assertThat(p.awaitExit()).isEqualTo(2);
      assertThat(p.stderr()).contains("Unknown option: '--no-such-flag'").contains("Usage: servingkit");
    }
  }

  @Test
  void modelThatFailsToLoadPrintsTheReasonAndExits1() throws Exception {
    try (ServerProcess p =
        ServerProcess.java(dir, Map.of(), "-m", "broken=file:" + dir.resolve("nothing-here"), "-f", config("").toString()))
    {
      assertThat(p.awaitExit()).isEqualTo(1);
      assertThat(p.stderr()).contains("servingkit: cannot start: Invalid model url: file:" + dir.resolve("nothing-here"));
    }
  }

  @Test
  void anErrorWhileTheStartupModelsLoadExits1InsteadOfServingUnreadyForever() throws Exception {
    Path model = holdModel("linkage");
    Files.writeString(model.resolve("serving.properties"), "hold.error=com/example/Missing\n", StandardOpenOption.APPEND);
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config("").toString(), "-m", "linkage=" + model.toUri())) {
      assertThat(p.awaitExit()).isEqualTo(1);
      assertThat(p.stderr()).contains("servingkit: cannot start:").contains("com/example/Missing");
    }
  }

  @Test
  void badSettingNamesFileKeyAndValueAndExits2() throws Exception {
    Path config = config("job_queue_size=lots\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString())) {
      assertThat(p.awaitExit()).isEqualTo(2);
      assertThat(p.stderr()).contains("servingkit: job_queue_size=lots (from " + config + "): not a whole number");
    }
    try (ServerProcess p = ServerProcess.java(dir, Map.of("SERVING_BATCH_SIZE", "0"), "-f", config("").toString())) {
      assertThat(p.awaitExit()).isEqualTo(2);
      assertThat(p.stderr()).contains("servingkit: batch_size=0 (from environment variable SERVING_BATCH_SIZE): must be at least 1");
    }
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", dir.resolve("missing.properties").toString())) {
      assertThat(p.awaitExit()).isEqualTo(2);
      assertThat(p.stderr()).contains("config file " + dir.resolve("missing.properties") + " does not exist");
    }
  }

  @Test
  void servesTheDigitsModelFromFlagsAndConfigFile() throws Exception {
    Path digits = repoRoot().resolve("examples/models/digits-onnx");
    Path config = config("job_queue_size=5\nmax_batch_delay=7\nnumber_of_netty_threads=4\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "digits=" + digits.toUri())) {
      List<URI> addresses = p.awaitAddresses();
      assertThat(addresses).hasSize(1);
      URI base = addresses.get(0);
      assertThat(p.stdout()).contains("Models: digits").contains("curl " + base + "/ping");
      // the printed prediction line works: curl -T SAMPLE URL is a PUT of the sample file
      Path sample = digits.resolve("samples/3.png");
      assertThat(p.stdout()).contains("curl -T " + sample + " " + base + "/predictions/digits");
      HttpResponse<String> printed =
          http.send(
              HttpRequest.newBuilder(base.resolve("/predictions/digits"))
                  .timeout(WAIT)
                  .PUT(HttpRequest.BodyPublishers.ofFile(sample))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(printed.body()).startsWith("[{\"className\":\"3\"");
      assertThat(p.stdout() + p.stderr()).contains("Ignoring number_of_netty_threads=4 (from " + config + ")"); // a log line

      byte[] png = Files.readAllBytes(repoRoot().resolve("examples/models/digit-images/4.png"));
      HttpResponse<String> r = post(base.resolve("/predictions/digits"), png);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject().get("className").getAsString())
          .isEqualTo("4");
      JsonObject model = describe(base, "digits");
      assertThat(model.get("queueSize").getAsInt()).isEqualTo(5);
      assertThat(model.get("maxBatchDelayMillis").getAsInt()).isEqualTo(7);
      assertThat(model.get("loadedAtStartup").getAsBoolean()).isTrue();

      p.terminate();
      assertThat(p.awaitExit()).isEqualTo(143); // SIGTERM, after a clean shutdown
    }
  }

  @Test
  void environmentOverridesConfigAndFillsModelArguments() throws Exception {
    Path model = holdModel("held");
    Path config = config("job_queue_size=5\n");
    Map<String, String> env = Map.of("SERVING_JOB_QUEUE_SIZE", "7", "ARGS_BATCH_SIZE", "3", "ARGS_MAX_IDLE_TIME", "9");
    try (ServerProcess p = ServerProcess.java(dir, env, "-f", config.toString(), "-m", "held=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      JsonObject described = describe(base, "held");
      assertThat(described.get("queueSize").getAsInt()).isEqualTo(7);
      assertThat(described.get("batchSize").getAsInt()).isEqualTo(3);
      assertThat(described.get("maxIdleSeconds").getAsInt())
          .as("serving.properties sets max_idle_time=11, which ARGS_ must not override")
          .isEqualTo(11);
    }
  }

  @Test
  void inferenceAndManagementCanListenApart() throws Exception {
    Path config =
        config("inference_address=http://127.0.0.1:0\nmanagement_address=http://localhost:0\n");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "held=" + holdModel("held").toUri())) {
      List<URI> addresses = p.awaitAddresses();
      assertThat(addresses).hasSize(2);
      URI inference = addresses.get(0);
      URI management = addresses.get(1);
      assertThat(inference.getPort()).isNotEqualTo(management.getPort());
      assertThat(get(inference.resolve("/ping")).statusCode()).isEqualTo(200);
      assertThat(get(inference.resolve("/models")).statusCode()).isEqualTo(404);
      assertThat(get(management.resolve("/models")).statusCode()).isEqualTo(200);
      assertThat(get(management.resolve("/ping")).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void sigtermLetsTheRequestInFlightFinish() throws Exception {
    Path holdDir = Files.createDirectories(dir.resolve("hold"));
    try (ServerProcess p =
        ServerProcess.java(dir, Map.of(), "-f", config("").toString(), "-m", "held=" + holdModel("held").toUri())) {
      URI base = p.awaitAddresses().get(0);
      CompletableFuture<HttpResponse<String>> inFlight =
          http.sendAsync(
              HttpRequest.newBuilder(base.resolve("/predictions/held"))
                  .timeout(Duration.ofSeconds(90))
                  .POST(HttpRequest.BodyPublishers.ofString("job"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Awaitility.await().atMost(WAIT).until(() -> Files.exists(holdDir.resolve("entered-1")));

      p.terminate();
      // draining: new requests are turned away while the one in flight may finish
      Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(get(base.resolve("/ping")).statusCode()).isEqualTo(503));
      assertThat(p.isAlive()).isTrue();
      assertThat(inFlight).isNotDone();

      Files.writeString(holdDir.resolve("release"), "");
      HttpResponse<String> done = inFlight.get(60, TimeUnit.SECONDS);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isEqualTo("released:job");
      assertThat(p.awaitExit()).isEqualTo(143);
    }
  }

  /** A model served by {@link HoldModeProvider}, holding its jobs in {@code dir/hold}. */
  private Path holdModel(String name) throws IOException {
    Path model = Files.createDirectories(dir.resolve(name));
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Files.writeString(
        model.resolve("serving.properties"),
        "engine=Python\nhold.dir=" + hold.toString().replace("\\", "/") + "\nmax_idle_time=11\n");
    return model;
  }

  /** A config.properties listening on an ephemeral loopback port, plus {@code extra}. */
  private Path config(String extra) throws IOException {
    Path file = Files.createTempFile(dir, "config-", ".properties");
    Files.writeString(file, "inference_address=http://127.0.0.1:0\n" + extra);
    return file;
  }

  private JsonObject describe(URI base, String model) throws Exception {
    HttpResponse<String> r = get(base.resolve("/models/" + model));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonArray all = JsonParser.parseString(r.body()).getAsJsonArray();
    return all.get(0).getAsJsonObject().getAsJsonArray("models").get(0).getAsJsonObject();
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI uri, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples/models/digits-onnx"))) {
        return p;
      }
    }
    throw new IllegalStateException("examples/models not found above " + Path.of("").toAbsolutePath());
  }
}
