package io.servingkit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Boots the example application as {@code main} would (its application.yml), on a random port, and checks what
 * its README shows: predictions from its controller and from the REST API, Actuator health and Prometheus, and
 * the request id and trace id on the worker thread's log line.
 */
class DigitsApplicationTest {

  private static final Path IMAGES = Path.of("../models/digit-images");
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ListAppender<ILoggingEvent> WORKER_LOG = new ListAppender<>();

  private static ConfigurableApplicationContext app;
  private static String base;

  @BeforeAll
  static void start() {
    app = SpringApplication.run(DigitsApplication.class, "--server.port=0", "--server.address=127.0.0.1");
    base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
    WORKER_LOG.start();
    ((Logger) LoggerFactory.getLogger(DigitTranslator.class)).addAppender(WORKER_LOG);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static HttpResponse<String> post(String path, Path image, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "image/png")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(image)));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theControllerReadsEveryDigitThroughTheTypedModel() throws Exception {
    for (int digit = 0; digit < 10; digit++) {
      HttpResponse<String> answer = post("/digits", IMAGES.resolve(digit + ".png"));
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).startsWith("{\"digit\":" + digit + ",");
    }
  }

  @Test
  void theRestApiServesTheBundledModelUnderServing() throws Exception {
    HttpResponse<String> answer = post("/serving/predictions/digits", IMAGES.resolve("7.png"));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).startsWith("{\"digit\": 7,");
    assertThat(get("/serving/models").body()).contains("\"modelName\": \"digits\"").contains("digit_reader");
  }

  @Test
  void actuatorHealthAndPrometheus() throws Exception {
    post("/digits", IMAGES.resolve("1.png"));
    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("\"servingKit\"").contains("\"digits\":\"READY\"");
    assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    String scrape = get("/actuator/prometheus").body();
    assertThat(scrape)
        .contains("servingkit_inference_time_seconds_count{model=\"digit_reader\"")
        .contains("servingkit_queue_depth{model=\"digits\"")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void theWorkerThreadLogsWithTheRequestIdAndTraceId() throws Exception {
    HttpResponse<String> answer =
        post("/digits", IMAGES.resolve("4.png"), "x-request-id", "order-4711", "traceparent", TRACEPARENT);
    assertThat(answer.headers().firstValue("x-request-id")).hasValue("order-4711");
    Awaitility.await()
        .untilAsserted(
            () ->
                assertThat(WORKER_LOG.list)
                    .anySatisfy(
                        e -> {
                          // the job runs on a pooled servingkit thread or on the request's own thread (the scheduler
                          // decides): either way the request's ids are in the MDC where the translator logs
                          assertThat(e.getFormattedMessage()).startsWith("read digit 4");
                          assertThat(e.getMDCPropertyMap())
                              .containsEntry("requestId", "order-4711")
                              .containsEntry("traceId", "0af7651916cd43dd8448eb211c80319c");
                        }));
  }
}
