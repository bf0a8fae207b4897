package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server (its settings, its Undertow listeners, its Logback) answering requests that DJL Serving's own
 * {@code ModelServerTest} sends, over real HTTP on the loopback interface.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StandaloneCompatTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;
  private StandaloneServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close(Duration.ofSeconds(5));
    }
    ThreadLeaks.assertNoneLeft();
  }

  @Test
  void serverLoggingTurnsTraceOnAndBackOffAsInDjlsTestConfigLogging() throws Exception {
    URI base = start(Map.of());
    Logger log = LoggerFactory.getLogger(ModelServer.class);
    assertThat(log.isTraceEnabled()).isFalse();

    HttpResponse<String> on = post(base, "/server/logging?level=trace");
    assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
    assertThat(log.isTraceEnabled()).isTrue();
    assertThat(LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine").isTraceEnabled()).isTrue();

    HttpResponse<String> off = post(base, "/server/logging");
    assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
    assertThat(log.isTraceEnabled()).isFalse();
    assertThat(LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine").isTraceEnabled()).isFalse();
  }

  private URI start(Map<String, String> env) throws Exception {
    Path config = dir.resolve("config.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\n");
    server = StandaloneServer.start(ServingKitCli.configuration(config, env, List.of(), null));
    return server.addresses().get(0);
  }

  private HttpResponse<String> post(URI base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
