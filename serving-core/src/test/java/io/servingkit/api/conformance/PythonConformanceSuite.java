package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.RegistrationPolicy;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Python mode as DJL Serving clients see it, over real HTTP on the loopback interface: the handlers of {@code
 * examples/models/python} run in real {@code /usr/bin/python3} worker processes, and every answer is checked
 * against the Python transcripts of DJL Serving (status lines, JSON bodies, messages): echoed JSON, text and npz
 * bytes with their Content-Type, a raising handler as 424 with DJL's {@code {"code","message","error"}} body,
 * {@code None} as 204, {@code add_stream_content} as a chunked response, a full queue as 503, a handler that
 * exits and a worker killed with SIGKILL (503 for the requests it held, then served again by its replacement),
 * and registering and describing a Python model through the management API.
 *
 * <p>Written once; an adapter whose class path has serving-python runs it by implementing {@link
 * #newServerUnderTest()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class PythonConformanceSuite {

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  private final Map<String, HttpResponse<String>> registrations = new LinkedHashMap<>();
  private Path temp;
  private ModelServer server;
  private ServingApi api;
  private ServerUnderTest sut;
  private URI base;
  private HttpClient http;

  @BeforeAll
  void startServer() throws Exception {
    temp = Files.createTempDirectory("servingkit-python-");
    server =
        ModelServer.builder()
            .model("none=" + python("none"))
            .model("stream=" + python("stream"))
            .model("crash=" + python("crash"))
            .build();
    api =
        new ServingApi(
            server,
            ApiConfig.builder()
                .registrationPolicy(RegistrationPolicy.builder().allowedUrls("file:.*").build())
                .build());
    sut = newServerUnderTest();
    base = sut.start(api);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
    // the rest are registered over HTTP, as the transcripts did
    register("echo", "");
    register("boom", "");
    register("sleepy", "&job_queue_size=1&min_worker=1&max_worker=1");
    register("killed", "&min_worker=1&max_worker=1");
  }

  @AfterAll
  void stopServer() throws Exception {
    SuiteResources.close(sut, api, server, temp);
  }

  // ---------------------------------------------------------------- management

  @Test
  void registeringPythonModelsAnswersDjlStatus() {
    assertThat(registrations.keySet()).containsExactly("echo", "boom", "sleepy", "killed");
    registrations.forEach(
        (name, r) -> {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
          assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
          assertThat(r.body()).isEqualTo("{\n  \"status\": \"Model \\\"" + name + "\\\" registered.\"\n}\n");
        });
  }

  @Test
  void registeredPythonModelIsListedAndDescribedAsInTheTranscript() throws Exception {
    JsonObject listed = null;
    for (JsonElement e : json(send("GET", "/models", Map.of(), null)).getAsJsonArray("models")) {
      if (e.getAsJsonObject().get("modelName").getAsString().equals("echo")) {
        listed = e.getAsJsonObject();
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.keySet()).containsExactly("modelName", "modelUrl", "status");
    assertThat(listed.get("modelUrl").getAsString()).isEqualTo(python("echo"));
    assertThat(listed.get("status").getAsString()).isEqualTo("READY");

    HttpResponse<String> r = send("GET", "/models/echo", Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonArray all = JsonParser.parseString(r.body()).getAsJsonArray();
    assertThat(all).hasSize(1);
    JsonObject workflow = all.get(0).getAsJsonObject();
    assertThat(workflow.keySet()).containsExactly("workflowName", "models");
    assertThat(workflow.get("workflowName").getAsString()).isEqualTo("echo");
    JsonObject model = workflow.getAsJsonArray("models").get(0).getAsJsonObject();
    assertThat(model.keySet())
        .containsExactly(
            "modelName", "modelUrl", "batchSize", "maxBatchDelayMillis", "maxIdleSeconds", "queueSize",
            "requestInQueue", "status", "loadedAtStartup", "workerGroups");
    assertThat(model.get("modelName").getAsString()).isEqualTo("echo");
    assertThat(model.get("modelUrl").getAsString()).isEqualTo(python("echo"));
    assertThat(model.get("batchSize").getAsInt()).isEqualTo(1);
    assertThat(model.get("maxBatchDelayMillis").getAsInt()).isEqualTo(100);
    assertThat(model.get("maxIdleSeconds").getAsInt()).isEqualTo(60);
    assertThat(model.get("queueSize").getAsInt()).isEqualTo(1000);
    assertThat(model.get("status").getAsString()).isEqualTo("Healthy");
    assertThat(model.get("loadedAtStartup").getAsBoolean()).isFalse();
    JsonObject group = model.getAsJsonArray("workerGroups").get(0).getAsJsonObject();
    assertThat(group.getAsJsonObject("device").toString()).isEqualTo("{\"deviceType\":\"cpu\",\"deviceId\":-1}");
    assertThat(group.get("minWorkers").getAsInt()).isEqualTo(1);
    JsonObject worker = group.getAsJsonArray("workers").get(0).getAsJsonObject();
    assertThat(worker.keySet()).containsExactly("id", "startTime", "status");
    assertThat(worker.get("status").getAsString()).isEqualTo("READY");

    JsonObject sleepy = describeOne("sleepy");
    assertThat(sleepy.get("queueSize").getAsInt()).isEqualTo(1);
    JsonObject sleepyGroup = sleepy.getAsJsonArray("workerGroups").get(0).getAsJsonObject();
    assertThat(sleepyGroup.get("minWorkers").getAsInt()).isEqualTo(1);
    assertThat(sleepyGroup.get("maxWorkers").getAsInt()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- echo

  @Test
  void jsonIsEchoedThroughAddAsJson() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send(
          "POST",
          "/predictions/echo",
          Map.of("Content-Type", "application/json"),
          bytes("{\"inputs\":\"hello\",\"parameters\":{\"n\":1}}"));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 200 OK");
      assertThat(head.header("x-request-id")).isNotBlank();
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
          .isEqualTo("{\n  \"inputs\":\"hello\",\n  \"parameters\":{\n    \"n\":1\n  }\n}");
    }
  }

  @Test
  void textIsEchoedWithItsContentType() throws Exception {
    HttpResponse<String> r = send("POST", "/predictions/echo", Map.of("Content-Type", "text/plain"), bytes("hello world"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(r.body()).isEqualTo("hello world");

    HttpResponse<String> empty = send("POST", "/predictions/echo", Map.of("Content-Type", "text/plain"), new byte[0]);
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(empty.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(empty.headers().firstValue("content-length")).hasValue("0");
    assertThat(empty.body()).isEmpty();
  }

  @Test
  void npzBytesComeBackUnchanged() throws Exception {
    byte[] npz = Files.readAllBytes(RestConformanceSuite.repoRoot().resolve("examples/models/mlp-data/inputs.npz"));
    HttpResponse<byte[]> r =
        http.send(
            request("POST", "/predictions/echo", Map.of("Content-Type", "tensor/npz"), npz),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("tensor/npz");
    assertThat(r.headers().firstValue("content-length")).hasValue(String.valueOf(npz.length));
    assertThat(r.body()).isEqualTo(npz);
  }

  @Test
  void malformedJsonIs424WithPythonsParseError() throws Exception {
    assert424(
        "echo",
        Map.of("Content-Type", "application/json"),
        "{\"inputs\": ",
        "Expecting value: line 1 column 12 (char 11)");
  }

  // ---------------------------------------------------------------- handler outcomes

  @Test
  void raisingHandlerIs424AndItsWorkerStaysReady() throws Exception {
    assert424("boom", Map.of("Content-Type", "text/plain"), "x", "boom: deliberate failure");

    // the answer may be written by the worker thread before it marks itself idle: wait (bounded) for READY
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonObject boom = describeOne("boom");
              assertThat(boom.get("status").getAsString()).isEqualTo("Healthy");
              JsonArray workers =
                  boom.getAsJsonArray("workerGroups").get(0).getAsJsonObject().getAsJsonArray("workers");
              assertThat(workers).isNotEmpty();
              for (JsonElement w : workers) {
                assertThat(w.getAsJsonObject().get("status").getAsString()).isEqualTo("READY");
              }
            });
  }

  @Test
  void noneIs204WithoutBody() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/none", Map.of("Content-Type", "text/plain"), bytes("x"));
      RawHttp.Head head = raw.readHead();
      assertThat(head.status()).isEqualTo(204);
      assertThat(head.header("transfer-encoding")).isNull();
      assertThat(head.header("content-length")).isIn(null, "0");
    }
    HttpResponse<String> again = send("POST", "/predictions/none", Map.of(), bytes("y"));
    assertThat(again.statusCode()).isEqualTo(204);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void streamedContentIsChunkedInOrder() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/stream", Map.of("Content-Type", "text/plain"), bytes("6"));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 200 OK");
      assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
      assertThat(head.header("content-length")).isNull();
      assertThat(head.header("content-type")).isEqualTo("text/plain");
      List<String> chunks = raw.readChunks();
      assertThat(String.join("", chunks)).isEqualTo("token0 token1 token2 token3 token4 token5 ");
      assertThat(chunks).hasSizeGreaterThan(1);
      // chunks are whole items: no item is split across two chunks
      assertThat(chunks).allSatisfy(c -> assertThat(c).matches("(token\\d )+"));
    }
  }

  // ---------------------------------------------------------------- backpressure and failures

  @Test
  void fullQueueIs503WithDjlsMessageAndTheAdmittedRequestFinishes() throws Exception {
    Path hold = Files.createTempDirectory(temp, "sleepy-");
    CompletableFuture<HttpResponse<String>> first =
        sendAsync("/predictions/sleepy", Map.of("Content-Type", "text/plain", "x-hold", hold.toString()), "first");
    awaitFile(hold.resolve("entered"));

    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/sleepy", Map.of("Content-Type", "text/plain"), bytes("second"));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 503 Service Unavailable");
      assertThat(head.header("content-type")).isEqualTo("application/json");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
          .isEqualTo(
              "{\n  \"code\": 503,\n  \"type\": \"WlmCapacityException\",\n"
                  + "  \"message\": \"Worker queue capacity exceeded for model: sleepy\"\n}\n");
    }

    Files.createFile(hold.resolve("release"));
    HttpResponse<String> done = first.get(30, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("first");
    // with the worker free again the 0.5 s handler serves the next request
    HttpResponse<String> after = send("POST", "/predictions/sleepy", Map.of("Content-Type", "text/plain"), bytes("third"));
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).isEqualTo("third");
  }

  @Test
  void handlerThatExitsIs503ThenAReplacementWorkerServes() throws Exception {
    HttpResponse<String> crashed = send("POST", "/predictions/crash", Map.of("Content-Type", "text/plain"), bytes("exit"));
    assertThat(crashed.statusCode()).as(crashed.body()).isEqualTo(503);
    assertThat(crashed.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject error = json(crashed);
    assertThat(error.keySet()).containsExactly("code", "type", "message");
    assertThat(error.get("code").getAsInt()).isEqualTo(503);
    assertThat(error.get("type").getAsString()).isEqualTo("ServiceUnavailableException");
    assertThat(error.get("message").getAsString()).containsIgnoringCase("python");

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              HttpResponse<String> r = send("POST", "/predictions/crash", Map.of("Content-Type", "text/plain"), bytes("back"));
              assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
              assertThat(r.body()).isEqualTo("back");
            });
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(pingStatus("crash")).isEqualTo("Healthy"));
  }

  /**
   * One worker, a request held inside it and four more queued behind: the worker process is SIGKILLed. Every
   * request is answered (200 with its own echo, or 503) within the client's timeout, and the model serves again
   * through a replacement worker (a new process).
   */
  @Test
  void killMinusNineUnderConcurrentRequestsAnswersEveryoneAndRecovers() throws Exception {
    Path hold = Files.createTempDirectory(temp, "killed-");
    CompletableFuture<HttpResponse<String>> held =
        sendAsync("/predictions/killed", Map.of("Content-Type", "text/plain", "x-hold", hold.toString()), "held");
    long pid = Long.parseLong(awaitFile(hold.resolve("entered")));
    List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(sendAsync("/predictions/killed", Map.of("Content-Type", "text/plain"), "queued " + i));
    }
    Awaitility.await()
        .atMost(WAIT)
        .until(() -> describeOne("killed").get("requestInQueue").getAsInt() >= 4);

    ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
    assertThat(victim.destroyForcibly()).isTrue();

    // option.retry_on_crash (default true) may run the held request again on the replacement: let it finish
    Files.createFile(hold.resolve("release"));

    HttpResponse<String> heldAnswer = held.get(60, TimeUnit.SECONDS);
    assertThat(heldAnswer.statusCode()).as(heldAnswer.body()).isIn(200, 503);
    if (heldAnswer.statusCode() == 200) {
      assertThat(heldAnswer.body()).isEqualTo("held");
    } else {
      assertThat(json(heldAnswer).get("code").getAsInt()).isEqualTo(503);
    }
    for (int i = 0; i < queued.size(); i++) {
      HttpResponse<String> r = queued.get(i).get(60, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
      if (r.statusCode() == 200) {
        assertThat(r.body()).isEqualTo("queued " + i);
      }
    }

    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              HttpResponse<String> r = send("POST", "/predictions/killed", Map.of("Content-Type", "text/plain"), bytes("pid"));
              assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
              assertThat(Long.parseLong(r.body())).isNotEqualTo(pid);
            });
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(pingStatus("killed")).isEqualTo("Healthy"));
  }

  // ---------------------------------------------------------------- helpers

  private void register(String name, String settings) throws Exception {
    registrations.put(
        name, send("POST", "/models?url=" + python(name.equals("killed") ? "crash" : name) + "&model_name=" + name + settings, Map.of(), null));
  }

  /** The file URL of a folder of {@code examples/models/python}. */
  private static String python(String folder) {
    return RestConformanceSuite.repoRoot().resolve("examples/models/python").resolve(folder).toUri().toString();
  }

  private void assert424(String model, Map<String, String> headers, String body, String error) throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/" + model, headers, bytes(body));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 424 invoke handler failure");
      assertThat(head.header("content-type")).isEqualTo("application/json");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
          .isEqualTo(
              "{\n  \"code\":424,\n  \"message\":\"invoke handler failure\",\n  \"error\":\"" + error + "\"\n}");
    }
  }

  private String pingStatus(String model) throws Exception {
    HttpResponse<String> r = send("GET", "/ping", Map.of(), null);
    JsonObject entry = json(r).getAsJsonObject(model);
    return entry == null ? null : entry.get("status").getAsString();
  }

  private static String awaitFile(Path file) {
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(file) && Files.size(file) > 0);
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest request(String method, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(WAIT)
            .method(
                method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return b.build();
  }

  private HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    return http.send(request(method, path, headers, body), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String path, Map<String, String> headers, String body) {
    return http.sendAsync(request("POST", path, headers, bytes(body)), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject describeOne(String name) throws Exception {
    HttpResponse<String> r = send("GET", "/models/" + name, Map.of(), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject().getAsJsonArray("models").get(0).getAsJsonObject();
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The whole status line, or only its code where the adapter cannot send reason phrases. */
  private void assertStatusLine(RawHttp.Head head, String expected) {
    if (sut.sendsReasonPhrases()) {
      assertThat(head.statusLine()).isEqualTo(expected);
    } else {
      assertThat(head.status()).as(head.statusLine()).isEqualTo(Integer.parseInt(expected.split(" ")[1]));
    }
  }
}
