package io.servingkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.servingkit.ServingListener;
import io.servingkit.api.AccessLog;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * A real Spring Boot application (Spring MVC on embedded Tomcat, port 0, Actuator) with the starter: the REST
 * API under {@code /serving}, health groups, Prometheus, request ids and trace context from the HTTP request
 * to the worker thread and into a Python handler.
 */
class ServingKitWebTest {

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private static ConfigurableApplicationContext context;
  private static String base;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final List<Map<String, String>> WORKER_MDC = new CopyOnWriteArrayList<>();
  private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    /** Records the MDC a worker thread has when it starts a batch. */
    @Bean
    ServingListener mdcRecorder() {
      return new ServingListener() {
        @Override
        public void batchStarted(String model, String version, int workerId, int size) {
          Map<String, String> mdc = MDC.getCopyOfContextMap();
          WORKER_MDC.add(Map.of("thread", Thread.currentThread().getName(), "requestId",
              mdc == null ? "" : mdc.getOrDefault("requestId", ""), "traceId",
              mdc == null ? "" : mdc.getOrDefault("traceId", "")));
        }
      };
    }
  }

  @BeforeAll
  static void start() throws Exception {
    Path echo = Path.of(ServingKitWebTest.class.getResource("/models/echo").toURI());
    context =
        new SpringApplicationBuilder(App.class)
            .properties(
                "server.port=0",
                "server.address=127.0.0.1",
                "servingkit.models=digits=file:" + TestModels.dir("digits-pt").toAbsolutePath() + ",echo=file:" + echo,
                "management.endpoints.web.exposure.include=health,prometheus",
                "management.endpoint.health.show-details=always",
                "management.endpoint.health.probes.enabled=true")
            .run();
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();
    base = "http://127.0.0.1:" + port;
    // after the start: Spring Boot configures logging afresh while it starts
    LOGS.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(LOGS);
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(LOGS);
    ThreadLeaks.assertNoneLeft();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }

  @Test
  void servesTheRestApiUnderServingInTheApplicationsTomcat() throws Exception {
    HttpResponse<String> answer =
        send(get("/serving/predictions/digits").header("Content-Type", "image/png")
            .POST(HttpRequest.BodyPublishers.ofByteArray(DigitImages.png(3))));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("\"className\":\"3\"");
    assertThat(send(get("/serving/ping")).body()).contains("Healthy");
    HttpResponse<String> missing = send(get("/serving/predictions/nope").POST(HttpRequest.BodyPublishers.ofString("x")));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("nope");
  }

  @Test
  void actuatorHealthAndReadinessIncludeTheModels() throws Exception {
    HttpResponse<String> health = send(get("/actuator/health"));
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"servingKit\"").contains("\"digits\":\"READY\"");
    HttpResponse<String> readiness = send(get("/actuator/health/readiness"));
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).contains("servingKit").contains("readinessState");
    assertThat(send(get("/actuator/health/liveness")).statusCode()).isEqualTo(200);
  }

  @Test
  void prometheusShowsServingkitMetersInTheApplicationsRegistry() throws Exception {
    send(get("/serving/predictions/digits").header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(DigitImages.png(5))));
    HttpResponse<String> scrape = send(get("/actuator/prometheus"));
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("servingkit_queue_depth").contains("servingkit_inference_time_seconds_count{");
  }

  @Test
  void requestIdAndTraceReachTheWorkerThreadThePythonHandlerAndTheAccessLog() throws Exception {
    HttpResponse<String> answer =
        send(get("/serving/predictions/echo?x=1").header("x-request-id", "req-42").header("traceparent", TRACEPARENT)
            .header("User-Agent", "web-test").POST(HttpRequest.BodyPublishers.ofString("hello")));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("x-request-id")).hasValue("req-42");
    assertThat(answer.body()).contains("\"traceparent\":\"" + TRACEPARENT + "\"").contains("\"x-request-id\":\"req-42\"");
    assertThat(WORKER_MDC)
        .anySatisfy(m -> {
          assertThat(m.get("requestId")).isEqualTo("req-42");
          assertThat(m.get("traceId")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
          assertThat(m.get("thread")).startsWith("servingkit-");
        });
    org.awaitility.Awaitility.await().untilAsserted(() ->
        assertThat(LOGS.list)
            .anySatisfy(e -> {
              assertThat(e.getFormattedMessage())
                  .matches("127\\.0\\.0\\.1 - - \\[.+\\] \"POST /serving/predictions/echo\\?x=1 HTTP/1\\.1\" 200 \\d+ \"-\" \"web-test\"");
              assertThat(e.getMDCPropertyMap()).containsEntry("requestId", "req-42")
                  .containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
            }));
  }

  @Test
  void aRequestWithoutAnIdGetsOneAndTheApiAnswersTheSame() throws Exception {
    HttpResponse<String> answer = send(get("/serving/ping"));
    String id = answer.headers().firstValue("x-request-id").orElseThrow();
    assertThat(id).matches("[0-9a-f-]{36}");
    assertThat(answer.headers().allValues("x-request-id")).containsOnly(id);
    org.awaitility.Awaitility.await().untilAsserted(() ->
        assertThat(LOGS.list).anySatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("requestId", id)));
  }
}
