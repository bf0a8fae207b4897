package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL Serving's error-rate health over real HTTP: a real Python handler that fails on request, the
 * {@code error_rate_*} keys read from a configuration as {@code config.properties} gives them, and {@code /ping}
 * turning 503 when a limit is passed, then healing by itself when the window ends.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ErrorRateHealthTest {

  @TempDir Path workDir;
  private ServedOverHttp served;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private URI start(Map<String, String> properties) throws Exception {
    ServingConfig config = ServingConfig.builder().properties(properties, "config.properties").build();
    served =
        ServedOverHttp.start(
            ModelServer.builder().workDir(workDir).model("flaky=" + ServedOverHttp.pythonModel("flaky").toUri()),
            ApiConfig.from(config, ApiConfig.Endpoints.ALL));
    return served.base;
  }

  @AfterEach
  void stop() {
    if (served != null) {
      served.close();
    }
  }

  @Test
  void modelFailuresPastTheLimitTurnPingTo503UntilTheWindowEnds() throws Exception {
    URI base = start(Map.of("error_rate_model", "2/PT3S"));
    assertThat(predict(base, "hello").statusCode()).isEqualTo(200);
    assertThat(predict(base, "raise").statusCode()).isEqualTo(424);
    assertThat(predict(base, "status500").statusCode()).isEqualTo(500);
    assertThat(ping(base).statusCode()).as("two failures are within a limit of 2").isEqualTo(200);

    assertThat(predict(base, "raise").statusCode()).isEqualTo(424);
    HttpResponse<String> unhealthy = ping(base);
    assertThat(unhealthy.statusCode()).as("the third failure passes the limit").isEqualTo(503);
    assertThat(unhealthy.body()).contains("\"flaky\"").contains("Healthy"); // the model itself still serves
    assertThat(predict(base, "hello").statusCode()).isEqualTo(200);

    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(ping(base).statusCode()).isEqualTo(200));
  }

  @Test
  void eachLimitCountsOnlyItsKindAndClientErrorsCountForNone() throws Exception {
    URI base = start(Map.of("error_rate_server", "0/PT1M", "error_rate_worker", "0/PT1M", "error_rate_any", "5"));
    for (int i = 0; i < 5; i++) {
      assertThat(predict(base, "raise").statusCode()).isEqualTo(424); // model failures: only error_rate_any counts
    }
    assertThat(get(base.resolve("/predictions/nope")).statusCode()).isEqualTo(404); // a client mistake
    assertThat(ping(base).statusCode()).as("5 failures are within error_rate_any=5").isEqualTo(200);

    assertThat(predict(base, "status500").statusCode()).isEqualTo(500);
    assertThat(ping(base).statusCode()).as("the sixth failure passes error_rate_any=5").isEqualTo(503);
  }

  @Test
  void aMalformedLimitIsRefusedNamingTheKey() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServingConfig.builder().properties(Map.of("error_rate_any", "ten/PT1M"), "config.properties").build())
        .hasMessageContaining("error_rate_any")
        .hasMessageContaining("10/PT1M");
  }

  private HttpResponse<String> predict(URI base, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/predictions/flaky"))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> ping(URI base) throws Exception {
    return get(base.resolve("/ping"));
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
