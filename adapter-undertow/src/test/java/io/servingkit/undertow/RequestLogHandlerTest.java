package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.servingkit.ModelServer;
import io.servingkit.ServingListener;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.TestModels;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** RequestLogHandler in front of ServingHandler on a real Undertow: ids, trace, MDC on the worker, access log. */
class RequestLogHandlerTest {

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void requestIdAndTraceReachTheWorkerAndTheAccessLog() throws Exception {
    List<Map<String, String>> workerMdc = new CopyOnWriteArrayList<>();
    ServingListener recorder =
        new ServingListener() {
          @Override
          public void batchStarted(String model, String version, int workerId, int size) {
            Map<String, String> mdc = MDC.getCopyOfContextMap();
            workerMdc.add(mdc == null ? Map.of() : Map.copyOf(mdc));
          }
        };
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    access.addAppender(logs);
    try (ModelServer models =
            ModelServer.builder()
                .listener(recorder)
                .model("digits=file:" + TestModels.dir("digits-pt").toAbsolutePath())
                .build();
        ServingApi api = new ServingApi(models)) {
      Undertow undertow =
          Undertow.builder()
              .addHttpListener(0, "127.0.0.1")
              .setHandler(new RequestLogHandler(new ServingHandler(api), AccessLog.of("combined")))
              .build();
      undertow.start();
      try {
        int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> answer =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predictions/digits"))
                    .header("x-request-id", "abc-1")
                    .header("traceparent", TRACEPARENT)
                    .header("User-Agent", "log-test")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(DigitImages.png(2)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().allValues("x-request-id")).containsExactly("abc-1");
        assertThat(workerMdc)
            .singleElement()
            .satisfies(
                m ->
                    assertThat(m)
                        .containsEntry("requestId", "abc-1")
                        .containsEntry("traceId", "4bf92f3577b34da6a3ce929d0e0e4736")
                        .containsEntry("spanId", "00f067aa0ba902b7"));
        Awaitility.await()
            .untilAsserted(
                () ->
                    assertThat(logs.list)
                        .singleElement()
                        .satisfies(
                            e -> {
                              assertThat(e.getFormattedMessage())
                                  .matches(
                                      "127\\.0\\.0\\.1 - - \\[.+\\] \"POST /predictions/digits HTTP/1\\.1\" 200 \\d+ \"-\" \"log-test\"");
                              assertThat(e.getMDCPropertyMap()).containsEntry("requestId", "abc-1");
                            }));

        HttpResponse<String> noId =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        String id = noId.headers().firstValue("x-request-id").orElseThrow();
        assertThat(noId.headers().allValues("x-request-id")).containsExactly(id);
        Awaitility.await()
            .untilAsserted(
                () -> assertThat(logs.list).anySatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("requestId", id)));
      } finally {
        undertow.stop();
      }
    } finally {
      access.detachAppender(logs);
    }
  }
}
