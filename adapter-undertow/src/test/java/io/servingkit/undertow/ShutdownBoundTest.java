package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.testing.ThreadLeaks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Shutdown keeps its bound and answers while it drains: with a registration that does not return (its load is
 * held by {@link HoldModeProvider}), closing the standalone server turns new requests away with a JSON 503 and
 * returns within the bound instead of waiting for the registration (it took 42 s against a 30 s bound).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownBoundTest {

  private static final Duration BOUND = Duration.ofSeconds(4);

  @TempDir Path dir;

  @Test
  void aStuckRegistrationDoesNotHoldShutdownPastItsBound() throws Exception {
    Path hold = Files.createDirectories(dir.resolve("hold"));
    Path model = Files.createDirectories(dir.resolve("stuck"));
    Files.writeString(model.resolve("serving.properties"), "engine=Python\nhold.dir=" + hold + "\nhold.load=true\n");
    Path config = Files.writeString(dir.resolve("config.properties"), "inference_address=http://127.0.0.1:0\n");
    StandaloneServer server = StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null));
    // closed by the test itself; a failure before that leaves the server to the JVM's end
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    URI base = server.addresses().get(0);
    try {
      CompletableFuture<HttpResponse<String>> registering =
          http.sendAsync(
              HttpRequest.newBuilder(base.resolve("/models?model_name=stuck&url=" + model.toUri()))
                  .timeout(Duration.ofSeconds(90))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                if (registering.isDone()) {
                  throw new AssertionError("the registration ended: " + registering.join().body());
                }
                return Files.exists(hold.resolve("loading"));
              });

      long start = System.nanoTime();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> server.close(BOUND));
      // while it drains, a new request gets the API's JSON 503, not Undertow's empty one
      Awaitility.await()
          .atMost(Duration.ofSeconds(3))
          .untilAsserted(
              () -> {
                HttpResponse<String> r =
                    http.send(
                        HttpRequest.newBuilder(base.resolve("/ping")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
                assertThat(body.get("type").getAsString()).isEqualTo("ServiceUnavailableException");
                assertThat(body.get("message").getAsString()).isEqualTo("Server is shutting down and takes no new requests");
              });
      closing.get(BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMillis).as("close took %d ms", tookMillis).isLessThan(BOUND.toMillis() + 2_000);
      assertThat(Files.exists(hold.resolve("release"))).as("the registration was still held").isFalse();
      registering.cancel(true);
    } finally {
      Files.writeString(hold.resolve("release"), "");
    }
    // what close left behind finishes once the load is released
    ThreadLeaks.assertNoneLeft();
  }
}
