package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.servingkit.api.AccessLog;
import io.servingkit.testing.TestModels;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The standalone server's HTTP warm-up ({@code http_warmup_timeout}) on the real mlp ONNX model, a real Undertow
 * listener and real loopback sockets: a startup model with {@code warmup_inputs} is sent its sample over HTTP before
 * readiness turns true, with the inference key when keys are on; meanwhile the real listener stays not ready and
 * refuses predictions; the warm-up's access lines go to {@value AccessLog#WARM_UP_LOGGER} only, its predictions do
 * not count in the metrics, and its threads and listener are gone afterwards. A warm-up prediction that the API
 * refuses stops the warm-up with a warning, and the server gets ready all the same.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HttpWarmUpTest {

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ListAppender<ILoggingEvent> accessLines = new ListAppender<>();
  private final ListAppender<ILoggingEvent> warmUpLines = new ListAppender<>();
  private final ListAppender<ILoggingEvent> serverLines = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
  private final Logger warmUp = (Logger) LoggerFactory.getLogger(AccessLog.WARM_UP_LOGGER);
  private final Logger server = (Logger) LoggerFactory.getLogger(StandaloneServer.class);

  @BeforeEach
  void listen() {
    accessLines.start();
    warmUpLines.start();
    serverLines.start();
    access.addAppender(accessLines);
    warmUp.addAppender(warmUpLines);
    warmUp.setAdditive(false); // thousands of lines: kept off the test output, as conf/logback.xml keeps them off stderr
    server.addAppender(serverLines);
  }

  @AfterEach
  void stopListening() {
    access.detachAppender(accessLines);
    warmUp.detachAppender(warmUpLines);
    warmUp.setAdditive(true);
    server.detachAppender(serverLines);
  }

  @Test
  void warmsTheWholeHttpPathBeforeReadinessWithoutLoggingOrCountingIt() throws Exception {
    Path model = modelWithSample();
    StandaloneServer s =
        StandaloneServer.open(config("http_warmup_timeout=4s\ndisable_token_authorization=false\nkey_file="
            + dir.resolve("key_file.json") + "\n", model));
    Set<String> xnioBefore = xnioThreads();
    URI base = s.addresses().get(0);
    String key = "Bearer " + s.tokens().orElseThrow().inferenceKey();
    try {
      CompletableFuture<Void> loading = CompletableFuture.runAsync(s::loadModels);
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> warmUpLines.list.size() > 100 || loading.isDone());
      assertThat(loading).as("still warming up").isNotDone();
      assertThat(get(base, "/v2/health/ready", key).statusCode()).isEqualTo(400);
      assertThat(post(base, key).statusCode()).isEqualTo(503);
      loading.get(60, TimeUnit.SECONDS);

      assertThat(get(base, "/v2/health/ready", key).statusCode()).isEqualTo(200);
      List<String> warmed = warmUpLines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(warmed)
          .anyMatch(l -> l.contains("\"POST /predictions/mlp HTTP/1.1\" 200 ") && l.endsWith("\"servingkit-warmup\""))
          .anyMatch(l -> l.contains("\"POST /predictions/mlp HTTP/1.1\" 200 ") && l.endsWith(" \"-\""))
          .anyMatch(l -> l.contains("\"GET /v2/health/ready HTTP/1.1\" 400 "))
          .anyMatch(l -> l.contains("\"GET /metrics HTTP/1.1\" 200 "))
          .noneMatch(l -> l.contains("\" 401 "));
      // the warm-up's predictions (200) are not in the real access log, with a User-Agent or without
      assertThat(accessLines.list)
          .noneMatch(e -> e.getFormattedMessage().contains("servingkit-warmup"))
          .noneMatch(e -> e.getFormattedMessage().contains("\"POST /predictions/mlp HTTP/1.1\" 200 "));
      assertThat(serverLines.list)
          .anyMatch(e -> e.getFormattedMessage().startsWith("HTTP path warmed up: "));

      // the warm-up's predictions are not counted: one real prediction is the first
      assertThat(metric(base, key)).doesNotContain("servingkit_requests_total{model=\"mlp\",outcome=\"success\"");
      assertThat(post(base, key).statusCode()).isEqualTo(200);
      assertThat(metric(base, key)).contains("servingkit_requests_total{model=\"mlp\",outcome=\"success\",version=\"\"} 1.0");
      // the warm-up's listener shared the server's IO threads and left none behind
      assertThat(xnioThreads()).isEqualTo(xnioBefore);
    } finally {
      s.close(Duration.ofSeconds(10));
    }
    ThreadLeaks.assertNoneLeft();
  }

  @Test
  void aWarmUpPredictionTheApiRefusesStopsTheWarmUpAndTheServerGetsReady() throws Exception {
    Path model = modelWithSample();
    try (StandaloneServer s = StandaloneServer.start(config("max_request_size=64\n", model))) {
      URI base = s.addresses().get(0);
      assertThat(get(base, "/v2/health/ready", null).statusCode()).isEqualTo(200);
      assertThat(serverLines.list)
          .anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
              && e.getFormattedMessage().contains("a warm-up prediction was answered 413"));
    }
  }

  @Test
  void zeroTimeoutSkipsIt() throws Exception {
    Path model = modelWithSample();
    try (StandaloneServer s = StandaloneServer.start(config("http_warmup_timeout=0\n", model))) {
      assertThat(get(s.addresses().get(0), "/v2/health/ready", null).statusCode()).isEqualTo(200);
      assertThat(warmUpLines.list).isEmpty();
      assertThat(serverLines.list).noneMatch(e -> e.getFormattedMessage().startsWith("HTTP path warmed up"));
    }
  }

  /** The mlp ONNX model in binary mode with {@code warmup_inputs=samples}: one .npy of input rows. */
  private Path modelWithSample() throws Exception {
    Path model = dir.resolve("mlp");
    Files.createDirectories(model.resolve("samples"));
    Files.copy(TestModels.dir("mlp-onnx").resolve("mlp.onnx"), model.resolve("mlp.onnx"));
    Files.copy(TestModels.dir("mlp-data").resolve("inputs.npy"), model.resolve("samples/rows.npy"));
    Files.writeString(model.resolve("serving.properties"), "option.modelName=mlp\nwarmup_inputs=samples\nwarmup_iterations=10\n");
    return model;
  }

  private io.servingkit.ServingConfig config(String extra, Path model) throws Exception {
    Path config = Files.writeString(dir.resolve("config.properties"), "inference_address=http://127.0.0.1:0\n" + extra);
    return ServingKitCli.configuration(config, Map.of(), List.of("mlp=" + model.toUri()), null);
  }

  private HttpResponse<String> get(URI base, String path, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI base, String key) throws Exception {
    byte[] rows = Files.readAllBytes(TestModels.dir("mlp-data").resolve("inputs.npy"));
    return http.send(
        HttpRequest.newBuilder(base.resolve("/predictions/mlp"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", key)
            .header("Content-Type", "application/x-npy")
            .POST(HttpRequest.BodyPublishers.ofByteArray(rows))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String metric(URI base, String key) throws Exception {
    return get(base, "/metrics", key).body();
  }

  private static Set<String> xnioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("XNIO-"))
        .collect(Collectors.toSet());
  }
}
