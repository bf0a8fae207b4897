package io.servingkit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Boots the example application as {@code main} would (its application.yml, Micrometer Tracing over the
 * OpenTelemetry SDK), on a random port, plus a span exporter that keeps what the SDK exports, and checks what its
 * README shows: predictions from its controller and from the REST API, Actuator health and Prometheus, the
 * request id and trace id on the log lines of a request, and the request's trace: the server span, child of the
 * caller's {@code traceparent}, with ServingKit's {@code servingkit.queue} and {@code servingkit.inference} spans
 * under it.
 */
class DigitsApplicationTest {

  private static final Path IMAGES = Path.of("../models/digit-images");
  private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ListAppender<ILoggingEvent> WORKER_LOG = new ListAppender<>();
  private static final ListAppender<ILoggingEvent> ALL_LOG =
      new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent e) {
          e.prepareForDeferredProcessing(); // takes the MDC now, on the thread that logs
          super.append(e);
        }
      };

  private static ConfigurableApplicationContext app;
  private static String base;

  @BeforeAll
  static void start() {
    app =
        SpringApplication.run(
            new Class<?>[] {DigitsApplication.class, CollectedSpans.class},
            new String[] {
              "--server.port=0",
              "--server.address=127.0.0.1",
              "--management.opentelemetry.tracing.export.schedule-delay=100ms"
            });
    base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
    WORKER_LOG.start();
    ((Logger) LoggerFactory.getLogger(DigitTranslator.class)).addAppender(WORKER_LOG);
    ALL_LOG.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(ALL_LOG);
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

  @Test
  void aTracedRequestIsOneTraceWithQueueAndInferenceSpansUnderTheServerSpanAndItsLogLinesCarryIt() throws Exception {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    HttpResponse<String> answer =
        post("/digits", IMAGES.resolve("6.png"), "traceparent", "00-" + traceId + "-" + callerSpan + "-01");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).startsWith("{\"digit\":6,");
    Trace trace = awaitTrace(traceId, "digit_reader");
    assertThat(trace.server.getParentSpanId()).isEqualTo(callerSpan);

    // the translator logs inside the inference span; the controller and the access log inside the request's
    Awaitility.await()
        .untilAsserted(
            () -> {
              assertThat(linesOf(traceId, DigitTranslator.class.getName()))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getFormattedMessage()).startsWith("read digit 6");
                        assertThat(e.getMDCPropertyMap()).containsEntry("spanId", trace.inference.getSpanId());
                      });
              assertThat(linesOf(traceId, DigitsController.class.getName()))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getFormattedMessage()).startsWith("reading a ");
                        assertThat(e.getMDCPropertyMap()).containsEntry("spanId", trace.server.getSpanId());
                      });
              assertThat(linesOf(traceId, "io.servingkit.access"))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getFormattedMessage()).contains("\"POST /digits HTTP/1.1\" 200");
                        // logged when the asynchronous request completes, on another thread: same ids
                        assertThat(e.getMDCPropertyMap()).containsEntry("spanId", trace.server.getSpanId());
                      });
            });
  }

  @Test
  void requestsToTheRestApiAreTracedThroughTheQueueAndTheWorkerToo() throws Exception {
    String traceId = "5af7651916cd43dd8448eb211c80319d";
    HttpResponse<String> answer =
        post(
            "/serving/predictions/digits",
            IMAGES.resolve("2.png"),
            "traceparent",
            "00-" + traceId + "-c7ad6b7169203331-01");
    assertThat(answer.statusCode()).isEqualTo(200);
    Trace trace = awaitTrace(traceId, "digits");
    assertThat(trace.server.getParentSpanId()).isEqualTo("c7ad6b7169203331");
    assertThat(trace.server.getAttributes().asMap().toString()).contains("/serving/predictions/digits");
    Awaitility.await()
        .untilAsserted(
            () ->
                assertThat(linesOf(traceId, "io.servingkit.access"))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getFormattedMessage()).contains("\"POST /serving/predictions/digits HTTP/1.1\" 200");
                          assertThat(e.getMDCPropertyMap()).containsEntry("spanId", trace.server.getSpanId());
                        }));
  }

  /** The server span of one request and ServingKit's two spans under it. */
  private record Trace(SpanData server, SpanData queue, SpanData inference) {}

  /**
   * Waits until the request's three spans are exported, and checks how they hang together: same trace, both of
   * ServingKit's spans children of the server span and tagged with the model, the queue wait over before the
   * inference starts, both within the server span.
   */
  private static Trace awaitTrace(String traceId, String model) {
    CollectedSpans.Exporter exporter = app.getBean(CollectedSpans.Exporter.class);
    return Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () -> {
              List<SpanData> spans =
                  exporter.spans().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
              SpanData server = only(spans, s -> s.getKind() == SpanKind.SERVER);
              if (server == null) {
                return null;
              }
              SpanData queue = only(spans, s -> s.getName().equals("servingkit.queue"));
              SpanData inference = only(spans, s -> s.getName().equals("servingkit.inference"));
              if (queue == null || inference == null) {
                return null;
              }
              for (SpanData child : List.of(queue, inference)) {
                assertThat(child.getParentSpanId()).as(child.getName()).isEqualTo(server.getSpanId());
                assertThat(child.getAttributes().get(AttributeKey.stringKey("model"))).isEqualTo(model);
                assertThat(child.getStartEpochNanos()).isGreaterThanOrEqualTo(server.getStartEpochNanos());
                assertThat(child.getEndEpochNanos()).isLessThanOrEqualTo(server.getEndEpochNanos());
              }
              assertThat(queue.getEndEpochNanos()).isLessThanOrEqualTo(inference.getStartEpochNanos());
              assertThat(inference.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
              return new Trace(server, queue, inference);
            },
            java.util.Objects::nonNull);
  }

  private static SpanData only(List<SpanData> spans, java.util.function.Predicate<SpanData> which) {
    List<SpanData> found = spans.stream().filter(which).toList();
    assertThat(found.size()).as("matching spans in %s", spans).isLessThanOrEqualTo(1);
    return found.isEmpty() ? null : found.get(0);
  }

  /** The log events of {@code logger} whose MDC carries {@code traceId}. */
  private static List<ILoggingEvent> linesOf(String traceId, String logger) {
    List<ILoggingEvent> all;
    synchronized (ALL_LOG) { // the appender adds under this lock
      all = List.copyOf(ALL_LOG.list);
    }
    return all.stream()
        .filter(e -> e.getLoggerName().equals(logger))
        .filter(e -> traceId.equals(e.getMDCPropertyMap().get("traceId")))
        .toList();
  }
}
