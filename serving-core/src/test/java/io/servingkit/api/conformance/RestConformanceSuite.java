package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Output;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.ThreadLeaks;
import java.io.ByteArrayInputStream;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The REST API as DJL Serving clients see it, over real HTTP on the loopback interface: every endpoint, every
 * status of compat.md's error table with DJL Serving's exact messages and JSON shapes, pagination,
 * register/scale/unregister round trips, the request size limit, backpressure, request ids and chunked
 * streaming. Written once; each adapter runs it by implementing {@link #newServerUnderTest()}.
 *
 * <p>The models are real: the trained digits classifier ({@code examples/models/digits-pt}, TorchScript on PyTorch
 * through Java mode) and models served by {@link ConformanceModeProvider}, a mode whose workers run inside
 * the real {@link ModelServer} and fail, stream or wait on demand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class RestConformanceSuite {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NO_CACHE = "no-cache; no-store, must-revalidate, private";

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  private final ConformanceModeProvider modes = new ConformanceModeProvider();
  private final List<ServingApi> apis = new ArrayList<>();
  private Path modelDir;
  private ModelServer server;
  private ServerUnderTest sut;
  private URI base;
  private HttpClient http;

  @BeforeAll
  void startServer() throws Exception {
    modelDir = Files.createTempDirectory("servingkit-conformance-");
    ModelServer.Builder builder =
        ModelServer.builder()
            .addModeProvider(modes)
            .model("digits=" + repoRoot().resolve("examples/models/digits-pt").toUri());
    for (String behaviour : List.of("echo", "inspect", "status", "stream")) {
      builder.model(behaviour + "=" + conformanceModel(behaviour, behaviour, Map.of()));
    }
    builder.model("fail=" + conformanceModel("fail", "fail", Map.of("retry_threshold", "1000")));
    builder.model(
        "gate="
            + conformanceModel(
                "gate", "gate", Map.of("job_queue_size", "1", "minWorkers", "1", "maxWorkers", "1")));
    server = builder.build();
    sut = newServerUnderTest();
    base = start(ApiConfig.builder().maxRequestSize(64 * 1024).build());
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  }

  @AfterAll
  void stopServer() throws Exception {
    try {
      if (sut != null) {
        sut.close();
      }
    } finally {
      apis.forEach(ServingApi::close);
      if (server != null) {
        server.close();
      }
    }
    // close what you create: no API or server thread outlives the suite
    ThreadLeaks.assertNoneLeft();
  }

  // ---------------------------------------------------------------- inference

  @Test
  void pingReportsEveryModelHealthyWithDjlHeaders() throws Exception {
    HttpResponse<String> r = send("GET", "/ping", Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("Pragma")).hasValue("no-cache");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue(NO_CACHE);
    assertThat(r.headers().firstValue("Expires")).hasValue("Thu, 01 Jan 1970 00:00:00 UTC");
    JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(body.keySet()).containsExactly("digits", "echo", "inspect", "status", "stream", "fail", "gate");
    for (String model : body.keySet()) {
      assertThat(body.getAsJsonObject(model).get("status").getAsString()).as(model).isEqualTo("Healthy");
    }
  }

  @Test
  void predictsTheDigitOfAnImage() throws Exception {
    for (int digit : new int[] {0, 3, 7}) {
      byte[] png = Files.readAllBytes(repoRoot().resolve("examples/models/digit-images/" + digit + ".png"));
      HttpResponse<String> r = send("POST", "/predictions/digits", Map.of("Content-Type", "image/png"), png);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(topClass(r.body())).isEqualTo(String.valueOf(digit));
    }
  }

  @Test
  void aTranslatorRejectingTheInputIs400TranslateException() throws Exception {
    HttpResponse<String> r =
        send("POST", "/predictions/digits", Map.of("Content-Type", "image/png"), bytes("this is not a png"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(json(r).get("type").getAsString()).isEqualTo("TranslateException");
    assertThat(json(r).get("message").getAsString()).isNotBlank();
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @Test
  void everyInferenceRouteReachesTheModel() throws Exception {
    byte[] png = Files.readAllBytes(repoRoot().resolve("examples/models/digit-images/5.png"));
    Map<String, String> image = Map.of("Content-Type", "image/png");
    List<HttpResponse<String>> answers = new ArrayList<>();
    answers.add(send("PUT", "/predictions/digits", image, png));
    answers.add(send("POST", "/invocations?model_name=digits", image, png));
    answers.add(send("POST", "/invocations", Map.of("Content-Type", "image/png", "model_name", "digits"), png));
    answers.add(send("POST", "/models/digits/invoke", image, png));
    String boundary = "----conformance";
    answers.add(
        send(
            "POST",
            "/predictions/digits",
            Map.of("Content-Type", "multipart/form-data; boundary=" + boundary),
            multipart(boundary, Map.of("data", png))));
    for (HttpResponse<String> r : answers) {
      assertThat(r.statusCode()).as(r.request().method() + " " + r.uri() + ": " + r.body()).isEqualTo(200);
      assertThat(topClass(r.body())).isEqualTo("5");
    }
  }

  @Test
  void invocationsWithoutModelNameNeedsExactlyOneModel() throws Exception {
    HttpResponse<String> r = send("POST", "/invocations", Map.of(), "x".getBytes(StandardCharsets.UTF_8));
    assertError(r, 400, "BadRequestException", "Parameter model_name is required.");

    try (ModelServer single =
            ModelServer.builder()
                .addModeProvider(modes)
                .model("only=" + conformanceModel("only", "echo", Map.of()))
                .build();
        ServingApi api = new ServingApi(single);
        ServerUnderTest own = newServerUnderTest()) {
      URI uri = own.start(api);
      HttpResponse<String> echo =
          http.send(
              request(uri, "POST", "/invocations", Map.of("Content-Type", "text/plain"), bytes("solo")),
              HttpResponse.BodyHandlers.ofString());
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.body()).isEqualTo("solo");
      HttpResponse<String> ping =
          http.send(request(uri, "GET", "/ping", Map.of(), null), HttpResponse.BodyHandlers.ofString());
      assertThat(ping.body()).isEqualTo("{\n  \"only\": {\n    \"status\": \"Healthy\"\n  }\n}\n");
    }
  }

  @Test
  void concurrentRequestsEachGetTheirOwnAnswer() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      String id = "req-" + i;
      byte[] body = new byte[1 + (i * 997) % 5000];
      java.util.Arrays.fill(body, (byte) ('a' + i % 26));
      answers.add(
          http.sendAsync(
              request(base, "POST", "/predictions/echo", Map.of("x-request-id", id, "Content-Type", "text/plain"), body),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < answers.size(); i++) {
      HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-request-id")).hasValue("req-" + i);
      assertThat(r.body()).hasSize(1 + (i * 997) % 5000).matches(String.valueOf((char) ('a' + i % 26)) + "+");
    }
  }

  @Test
  void unknownModelAndVersionAre404WithDjlMessages() throws Exception {
    assertThat(send("POST", "/predictions/nosuchmodel", Map.of(), bytes("x")).body())
        .isEqualTo(
            "{\n  \"code\": 404,\n  \"type\": \"ModelNotFoundException\",\n"
                + "  \"message\": \"Model or workflow not found: nosuchmodel\"\n}\n");
    assertError(
        send("POST", "/predictions/echo/1.0", Map.of(), bytes("x")),
        404,
        "ModelNotFoundException",
        "Model or workflow not found: echo");
    assertError(
        send("POST", "/invocations?model_name=nosuchmodel", Map.of(), bytes("x")),
        404,
        "ModelNotFoundException",
        "Model or workflow not found: nosuchmodel");
  }

  @Test
  void unknownPathsAre404AndWrongMethodsAre405() throws Exception {
    String notFound = "Requested resource is not found, please refer to API document.";
    for (String path : List.of("/predictions", "/nosuchpath", "/", "/ping/extra", "/models/a/b/c")) {
      assertError(send("POST", path, Map.of(), bytes("x")), 404, "ResourceNotFoundException", notFound);
    }
    String notAllowed = "Requested method is not allowed, please refer to API document.";
    assertError(send("PATCH", "/models/echo", Map.of(), null), 405, "MethodNotAllowedException", notAllowed);
    assertError(send("DELETE", "/models", Map.of(), null), 405, "MethodNotAllowedException", notAllowed);
    assertError(send("POST", "/metrics", Map.of(), bytes("x")), 405, "MethodNotAllowedException", notAllowed);
  }

  @Test
  void requestIdIsEchoedOrGenerated() throws Exception {
    HttpResponse<String> echoed = send("GET", "/ping", Map.of("x-request-id", "client-id-42"), null);
    assertThat(echoed.headers().firstValue("x-request-id")).hasValue("client-id-42");
    HttpResponse<String> failed = send("GET", "/nosuchpath", Map.of("X-Request-ID", "abc-1"), null);
    assertThat(failed.headers().firstValue("x-request-id")).hasValue("abc-1");
    HttpResponse<String> generated = send("POST", "/predictions/echo", Map.of(), bytes("x"));
    assertThat(generated.headers().firstValue("x-request-id").orElseThrow())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    HttpResponse<String> other = send("POST", "/predictions/echo", Map.of(), bytes("x"));
    assertThat(other.headers().firstValue("x-request-id")).isNotEqualTo(generated.headers().firstValue("x-request-id"));
  }

  @Test
  void everyRefusedBodyGetsIts413() throws Exception {
    // a server that closes while the client still sends can reset the connection before the 413 is read;
    // a refused body of moderate size is read to its end first, so every client sees its answer
    for (int i = 0; i < 40; i++) {
      byte[] body = new byte[64 * 1024 + 1 + i * 4096];
      HttpResponse<String> r = send("POST", "/predictions/echo", Map.of(), body);
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(413);
      HttpRequest chunked =
          HttpRequest.newBuilder(base.resolve("/predictions/echo"))
              .timeout(WAIT)
              .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
              .build();
      assertThat(http.send(chunked, HttpResponse.BodyHandlers.ofString()).statusCode())
          .as("chunked request %d", i)
          .isEqualTo(413);
    }
    HttpResponse<String> after = send("POST", "/predictions/echo", Map.of(), bytes("still here"));
    assertThat(after.body()).isEqualTo("still here");
  }

  @Test
  void handlerHeaderIsRefused() throws Exception {
    HttpResponse<String> r = send("POST", "/predictions/echo", Map.of("handler", "os_system"), bytes("x"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(json(r).get("type").getAsString()).isEqualTo("BadRequestException");
    assertThat(json(r).get("message").getAsString()).contains("handler");
  }

  @Test
  void bodiesOverMaxRequestSizeAre413() throws Exception {
    HttpResponse<String> atLimit =
        send("POST", "/predictions/echo", Map.of("Content-Type", "application/octet-stream"), new byte[64 * 1024]);
    assertThat(atLimit.statusCode()).isEqualTo(200);
    assertThat(atLimit.body()).hasSize(64 * 1024);

    HttpResponse<String> over = send("POST", "/predictions/echo", Map.of(), new byte[64 * 1024 + 1]);
    assertError(over, 413, "RequestTooLargeException", "Request body exceeds max_request_size of 65536 bytes");

    // no Content-Length: the limit holds while reading the chunked body
    HttpRequest chunked =
        HttpRequest.newBuilder(base.resolve("/predictions/echo"))
            .timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[200_000])))
            .build();
    HttpResponse<String> r = http.send(chunked, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(json(r).get("type").getAsString()).isEqualTo("RequestTooLargeException");

    HttpRequest smallChunked =
        HttpRequest.newBuilder(base.resolve("/predictions/echo"))
            .timeout(WAIT)
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes("chunked body"))))
            .build();
    HttpResponse<String> small = http.send(smallChunked, HttpResponse.BodyHandlers.ofString());
    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(small.body()).isEqualTo("chunked body");
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyAndRefusedWhenTooLarge() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(
          bytes(
              "POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                  + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
      assertThat(raw.readHead().status()).isEqualTo(100); // before any byte of the body was sent
      raw.sendRaw(bytes("hello"));
      RawHttp.Head head = raw.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8)).isEqualTo("hello");
    }
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(
          bytes(
              "POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n"
                  + "Expect: 100-continue\r\n\r\n"));
      RawHttp.Head head = raw.readHead();
      if (head.status() == 100 && !sut.withholdsContinueWhenRefusing()) {
        head = raw.readHead(); // the 413 follows without the body being sent
      }
      assertThat(head.status()).isEqualTo(413);
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8)).contains("RequestTooLargeException");
    }
  }

  @Test
  void fullQueueIs503AndAdmittedJobsFinish() throws Exception {
    ConformanceModeProvider.Gate gate = modes.gate("gate");
    CompletableFuture<HttpResponse<String>> first = sendAsync("POST", "/predictions/gate", bytes("one"));
    gate.awaitEntered(1); // the only worker holds job one; the queue (size 1) counts it
    HttpResponse<String> rejected = send("POST", "/predictions/gate", Map.of(), bytes("two"));
    assertThat(rejected.body())
        .isEqualTo(
            "{\n  \"code\": 503,\n  \"type\": \"WlmCapacityException\",\n"
                + "  \"message\": \"Worker queue capacity exceeded for model: gate\"\n}\n");
    assertThat(rejected.statusCode()).isEqualTo(503);
    gate.open(1);
    HttpResponse<String> done = first.get(30, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("one");
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource({
    "BadInputException, 400, TranslateException",
    "NotEnoughMemoryException, 507, WlmOutOfMemoryException",
    "PredictTimeoutException, 503, ServiceUnavailableException",
    "WorkerDiedException, 503, ServiceUnavailableException"
  })
  void failuresMapThroughTheErrorTable(String failure, int status, String type) throws Exception {
    HttpResponse<String> r =
        send("POST", "/predictions/fail", Map.of("x-fail", failure, "x-fail-message", "it broke: " + failure), bytes("x"));
    assertError(r, status, type, "it broke: " + failure);
  }

  @Test
  void failingHandlerIs424WithThePythonErrorShape() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send(
          "POST",
          "/predictions/fail",
          Map.of("x-fail", "HandlerFailureException", "x-fail-message", "boom: deliberate failure"),
          bytes("x"));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 424 invoke handler failure");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
          .isEqualTo(
              "{\n  \"code\":424,\n  \"message\":\"invoke handler failure\",\n"
                  + "  \"error\":\"boom: deliberate failure\"\n}");
    }
  }

  @Test
  void outputCodeMessageAndPropertiesBecomeTheResponse() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/status", Map.of("x-code", "299", "x-message", "Custom Thing"), bytes("x"));
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 299 Custom Thing");
      assertThat(head.header("x-custom")).isEqualTo("custom-value");
      assertThat(head.header("content-type")).isEqualTo("text/plain");
      assertThat(head.header("x-request-id")).isNotBlank();
      assertThat(head.header("pragma")).isEqualTo("no-cache");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8)).isEqualTo("status-body");
    }
    HttpResponse<String> ok = send("POST", "/predictions/status", Map.of(), bytes("x"));
    assertThat(ok.statusCode()).isEqualTo(200);
    HttpResponse<String> invalid = send("POST", "/predictions/status", Map.of("x-code", "42"), bytes("x"));
    assertThat(invalid.statusCode()).isEqualTo(500);
  }

  @Test
  void requestBecomesInputAsDjlServingBuildsIt() throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/predictions/inspect?b=2&a=1&b=3&sp=a+b%21",
            Map.of("Content-Type", "Text/Plain; charset=UTF-8", "X-Custom-Header", "yes"),
            bytes("hello"));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject picture = json(r);
    assertThat(contentOf(picture))
        .containsExactly(
            List.of("b", "2"), List.of("b", "3"), List.of("a", "1"), List.of("sp", "a b!"), List.of("data", "hello"));
    JsonObject props = picture.getAsJsonObject("properties");
    assertThat(propertyIgnoringCase(props, "x-custom-header")).isEqualTo("yes");
    assertThat(propertyIgnoringCase(props, "content-type")).isEqualTo("text/plain");
    assertThat(picture.get("hostLookup").isJsonNull()).as("headers are looked up ignoring case").isFalse();
  }

  @Test
  void emptyBodyIsStillTheDataEntry() throws Exception {
    HttpResponse<String> r = send("GET", "/predictions/inspect", Map.of(), null);
    assertThat(contentOf(json(r))).containsExactly(List.of("data", ""));
  }

  @Test
  void formFieldsBecomeContentEntriesAfterQueryParameters() throws Exception {
    String boundary = "xYzZY";
    Map<String, byte[]> parts = new LinkedHashMap<>();
    parts.put("data", bytes("file content"));
    parts.put("extra", bytes("field"));
    HttpResponse<String> multipart =
        send(
            "POST",
            "/predictions/inspect?q=1",
            Map.of("Content-Type", "multipart/form-data; boundary=\"" + boundary + "\""),
            multipart(boundary, parts));
    assertThat(contentOf(json(multipart)))
        .containsExactly(List.of("q", "1"), List.of("data", "file content"), List.of("extra", "field"));

    HttpResponse<String> form =
        send(
            "POST",
            "/predictions/inspect",
            Map.of("Content-Type", "application/x-www-form-urlencoded"),
            bytes("data=a%20b&n=1"));
    assertThat(contentOf(json(form))).containsExactly(List.of("data", "a b"), List.of("n", "1"));

    HttpResponse<String> broken =
        send(
            "POST",
            "/predictions/inspect",
            Map.of("Content-Type", "multipart/form-data; boundary=nope"),
            bytes("not multipart at all"));
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(json(broken).get("message").getAsString()).contains("multipart");
  }

  @Test
  void optionsOnAModelAnswersEmptyJson() throws Exception {
    HttpResponse<String> r = send("OPTIONS", "/predictions/echo", Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{}\n");
    assertThat(send("OPTIONS", "/predictions/nosuchmodel", Map.of(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void anAsynchronousRequestAnswersATokenAndItsResultIsFetchedOnce() throws Exception {
    // DJL Serving's pagination: x-synchronous: false -> 200 with x-next-token; x-starting-token fetches the result
    HttpResponse<String> accepted =
        send("POST", "/predictions/echo", Map.of("x-synchronous", "false", "Content-Type", "text/plain"), bytes("later"));
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).isEmpty();
    String token = accepted.headers().firstValue("x-next-token").orElseThrow();
    assertThat(accepted.headers().firstValue("X-Amzn-SageMaker-Custom-Attributes")).hasValue("x-next-token=" + token);

    HttpResponse<String> fetched = awaitResult(Map.of("x-starting-token", token));
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(fetched.body()).isEqualTo("later");
    assertThat(fetched.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(fetched.headers().firstValue("x-next-token")).isEmpty();
    assertError(send("POST", "/predictions/echo", Map.of("x-starting-token", token), null), 400,
        "BadRequestException", "Invalid x-starting-token: " + token);

    // SageMaker's way of saying the same; a failure is kept as the answer; an unknown model is refused at once
    HttpResponse<String> viaAttributes = send("POST", "/predictions/fail",
        Map.of("X-Amzn-SageMaker-Custom-Attributes", "x-synchronous=false", "x-fail", "BadInputException"), bytes("x"));
    String failing = viaAttributes.headers().firstValue("x-next-token").orElseThrow();
    HttpResponse<String> failed =
        awaitResult(Map.of("X-Amzn-SageMaker-Custom-Attributes", "x-starting-token=" + failing));
    assertError(failed, 400, "TranslateException", "deliberate");
    assertThat(send("POST", "/predictions/nosuchmodel", Map.of("x-synchronous", "false"), bytes("x")).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aStreamedAsynchronousResultIsFetchedPageByPageAsItIsProduced() throws Exception {
    HttpResponse<String> accepted = send("POST", "/predictions/stream",
        Map.of("x-synchronous", "false", "x-stream-id", "async-1"), bytes("go"));
    String token = accepted.headers().firstValue("x-next-token").orElseThrow();
    ChunkedBytesSupplier chunks = (ChunkedBytesSupplier) modes.stream("async-1").getData();

    HttpResponse<String> nothingYet = awaitResult(Map.of("x-starting-token", token));
    assertThat(nothingYet.body()).isEmpty();
    assertThat(nothingYet.headers().firstValue("x-next-token")).hasValue(token);
    chunks.appendContent(bytes("tok_0\n"), false);
    chunks.appendContent(bytes("tok_1\n"), false);
    HttpResponse<String> first = send("POST", "/predictions/stream", Map.of("x-starting-token", token, "x-max-items", "1"), null);
    assertThat(first.body()).isEqualTo("tok_0\n"); // DJL's testAsyncInference expects exactly this first page
    assertThat(first.headers().firstValue("content-type")).hasValue("text/plain");
    assertThat(first.headers().firstValue("x-next-token")).hasValue(token);
    HttpResponse<String> second = send("POST", "/predictions/stream", Map.of("x-starting-token", token), null);
    assertThat(second.body()).isEqualTo("tok_1\n");
    assertThat(second.headers().firstValue("x-next-token")).hasValue(token);
    chunks.appendContent(bytes("tok_2\n"), true);
    HttpResponse<String> last = send("POST", "/predictions/stream", Map.of("x-starting-token", token), null);
    assertThat(last.body()).isEqualTo("tok_2\n");
    assertThat(last.headers().firstValue("x-next-token")).isEmpty();
    assertThat(send("POST", "/predictions/stream", Map.of("x-starting-token", token, "x-max-items", "lots"), null)
        .statusCode()).isEqualTo(400);
  }

  /** Polls with {@code headers} until the answer is no longer DJL's 202 "The model result is not yet available". */
  private HttpResponse<String> awaitResult(Map<String, String> headers) {
    return Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(
        () -> {
          HttpResponse<String> r = send("POST", "/predictions/echo", headers, null);
          if (r.statusCode() == 202) {
            assertThat(r.headers().firstValue("x-next-token")).isPresent();
          }
          return r;
        },
        r -> r.statusCode() != 202);
  }

  @Test
  void aModelScaledToZeroWorkersAnswersDjlsShutdownMessage() throws Exception {
    String url = conformanceModel("zero", "echo", Map.of());
    assertThat(send("POST", "/models?url=" + url + "&model_name=zero", Map.of(), null).statusCode()).isEqualTo(200);
    try {
      assertThat(send("PUT", "/models/zero?min_worker=0&max_worker=0", Map.of(), null).statusCode()).isEqualTo(200);
      assertError(send("POST", "/predictions/zero", Map.of(), bytes("x")), 503, "WlmShutdownException",
          "All model workers has been shutdown: zero");
    } finally {
      send("DELETE", "/models/zero", Map.of(), null);
    }
  }

  @Test
  void optionsOnTheRootAnswersEmptyJsonAsDjlServingDoes() throws Exception {
    // DJL Serving's ModelServerTest.testRoot: OPTIONS / -> "{}\n"
    HttpResponse<String> r = send("OPTIONS", "/", Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{}\n");
    assertThat(send("GET", "/", Map.of(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void streamedOutputIsSentChunkByChunkWithDeferredHeaders() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/stream", Map.of("x-stream-id", "s1", "x-request-id", "stream-1"), bytes("go"));
      Output out = modes.stream("s1");
      ChunkedBytesSupplier chunks = (ChunkedBytesSupplier) out.getData();
      out.setCode(201); // still allowed: headers wait for the first chunk
      out.setMessage("Streaming");
      chunks.appendContent(bytes("first"), false);
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 201 Streaming");
      assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
      assertThat(head.header("content-length")).isNull();
      assertThat(head.header("x-request-id")).isEqualTo("stream-1");
      assertThat(head.header("content-type")).isEqualTo("text/plain");
      // the first chunk arrives while the model is still producing
      assertThat(new String(raw.readChunk(), StandardCharsets.UTF_8)).isEqualTo("first");
      chunks.appendContent(bytes("second"), false);
      assertThat(new String(raw.readChunk(), StandardCharsets.UTF_8)).isEqualTo("second");
      chunks.appendContent(bytes("third"), true);
      assertThat(raw.readChunks()).containsExactly("third");
    }
  }

  @Test
  void oneChunkStreamIsSentWhole() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/predictions/stream", Map.of("x-stream-id", "s2"), bytes("go"));
      ((ChunkedBytesSupplier) modes.stream("s2").getData()).appendContent(bytes("only"), true);
      RawHttp.Head head = raw.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo("4");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8)).isEqualTo("only");
    }
  }

  @Test
  void metricsAreServedAsPrometheusText() throws Exception {
    send("POST", "/predictions/echo", Map.of(), bytes("count me"));
    for (String path : List.of("/metrics", "/server/metrics")) {
      HttpResponse<String> r = send("GET", path, Map.of(), null);
      assertThat(r.statusCode()).isEqualTo(200);
      // parameters compared as HTTP defines them: white space around ';' is insignificant (Tomcat drops it)
      assertThat(r.headers().firstValue("content-type").map(t -> t.replaceAll("\\s*;\\s*", ";")))
          .hasValue("text/plain;version=0.0.4;charset=utf-8");
      assertThat(r.body()).contains("# TYPE servingkit_requests_total counter").contains("model=\"echo\"");
    }
  }

  // ---------------------------------------------------------------- management

  @Test
  void listIsSortedByNameAndPaginated() throws Exception {
    JsonObject first = json(send("GET", "/models?limit=2", Map.of(), null));
    assertThat(names(first)).containsExactly("digits", "echo");
    assertThat(first.get("nextPageToken").getAsString()).isEqualTo("2");
    JsonObject entry = first.getAsJsonArray("models").get(0).getAsJsonObject();
    assertThat(entry.keySet()).containsExactly("modelName", "modelUrl", "status");
    assertThat(entry.get("status").getAsString()).isEqualTo("READY");
    assertThat(entry.get("modelUrl").getAsString()).endsWith("digits-pt/");

    JsonObject rest = json(send("GET", "/models?limit=100&next_page_token=2", Map.of(), null));
    assertThat(names(rest)).containsExactly("fail", "gate", "inspect", "status", "stream");
    assertThat(rest.has("nextPageToken")).isFalse();

    JsonObject all = json(send("GET", "/models", Map.of(), null));
    assertThat(names(all)).hasSize(7);
    assertThat(all.has("nextPageToken")).isFalse();

    assertError(
        send("GET", "/models?limit=abc", Map.of(), null),
        400,
        "BadRequestException",
        "For input string: \"abc\"");
  }

  @Test
  void unversionedRequestsTakeTheVersionsInTurnAsDjlServingsEndpointDoes() throws Exception {
    String url = conformanceModel("turns", "echo", Map.of());
    for (String v : List.of("1", "2", "3")) {
      assertThat(send("POST", "/models?url=" + url + "&model_name=turns&model_version=" + v, Map.of(), null).statusCode())
          .isEqualTo(200);
    }
    try {
      List<String> served = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        HttpResponse<String> r = send("POST", "/predictions/turns", Map.of(), bytes("x"));
        assertThat(r.statusCode()).isEqualTo(200);
        served.add(r.headers().firstValue("x-model-version").orElseThrow());
      }
      // oldest first, in turn: whichever version starts, the next is the one registered after it
      int first = List.of("1", "2", "3").indexOf(served.get(0));
      for (int i = 0; i < served.size(); i++) {
        assertThat(served.get(i)).as(served.toString()).isEqualTo(String.valueOf((first + i) % 3 + 1));
      }
      HttpResponse<String> invoked = send("POST", "/invocations?model_name=turns", Map.of(), bytes("x"));
      assertThat(invoked.headers().firstValue("x-model-version")).isPresent();
      for (int i = 0; i < 3; i++) {
        assertThat(send("POST", "/predictions/turns/2", Map.of(), bytes("x")).headers().firstValue("x-model-version"))
            .hasValue("2");
      }
    } finally {
      send("DELETE", "/models/turns", Map.of(), null);
    }
  }

  @Test
  void workflowsListEveryModelAsAOneModelWorkflowWithDjlsPaging() throws Exception {
    // DJL Serving's ModelServerTest.testListWorkflows: {"workflows":[{"workflowName","version"?}],"nextPageToken"}
    JsonObject first = json(send("GET", "/workflows?limit=2", Map.of(), null));
    assertThat(workflowNames(first)).containsExactly("digits", "echo");
    assertThat(first.get("nextPageToken").getAsString()).isEqualTo("2");
    JsonObject rest = json(send("GET", "/workflows?limit=100&next_page_token=2", Map.of(), null));
    assertThat(workflowNames(rest)).containsExactly("fail", "gate", "inspect", "status", "stream");
    JsonObject all = json(send("GET", "/workflows", Map.of(), null));
    assertThat(workflowNames(all)).hasSize(7);
    // DJL always sets nextPageToken on this list (its own test asserts it), to the index after the page
    assertThat(all.get("nextPageToken").getAsString()).isEqualTo("7");
    for (JsonElement e : all.getAsJsonArray("workflows")) {
      assertThat(e.getAsJsonObject().keySet()).containsExactly("workflowName");
    }

    HttpResponse<String> described = send("GET", "/workflows/digits", Map.of(), null);
    assertThat(described.statusCode()).isEqualTo(200);
    assertThat(described.body()).isEqualTo(send("GET", "/models/digits", Map.of(), null).body());
    assertError(send("GET", "/workflows/nosuchmodel", Map.of(), null), 404, "ModelNotFoundException",
        "Workflow not found: nosuchmodel");
    assertError(send("GET", "/workflows?limit=abc", Map.of(), null), 400, "BadRequestException",
        "For input string: \"abc\"");
    HttpResponse<String> definition = send("POST", "/workflows?url=file:/tmp/wf.json", Map.of(), null);
    assertThat(definition.statusCode()).isEqualTo(400);
    assertThat(json(definition).get("message").getAsString()).contains("POST /models");
    assertThat(send("PATCH", "/workflows", Map.of(), null).statusCode()).isEqualTo(405);

    // scale and unregister by workflow name, as DJL Serving's /workflows/{name} does
    String url = conformanceModel("wf", "echo", Map.of());
    assertThat(send("POST", "/models?url=" + url + "&model_name=wf&model_version=3", Map.of(), null).statusCode())
        .isEqualTo(200);
    JsonObject listed = json(send("GET", "/workflows", Map.of(), null));
    assertThat(listed.getAsJsonArray("workflows").toString()).contains("{\"workflowName\":\"wf\",\"version\":\"3\"}");
    assertThat(send("PUT", "/workflows/wf?min_worker=1&max_worker=2", Map.of(), null).statusCode()).isEqualTo(200);
    HttpResponse<String> removed = send("DELETE", "/workflows/wf", Map.of(), null);
    assertThat(removed.body()).isEqualTo("{\n  \"status\": \"Model or workflow \\\"wf\\\" unregistered\"\n}\n");
    assertThat(send("GET", "/workflows/wf", Map.of(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void serverLoggingSetsAndResetsLevelsThroughTheHostsLogLevels() throws Exception {
    // without a LogLevels the library does not touch logging: the endpoint is not served
    assertError(send("POST", "/server/logging?level=trace", Map.of(), null), 404, "ResourceNotFoundException",
        "Requested resource is not found, please refer to API document.");

    List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    URI withLevels = start(ApiConfig.builder().logLevels(level -> calls.add(String.valueOf(level))).build());
    HttpResponse<String> set = http.send(request(withLevels, "POST", "/server/logging?level=trace", Map.of(), null),
        HttpResponse.BodyHandlers.ofString());
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    HttpResponse<String> reset = http.send(request(withLevels, "POST", "/server/logging", Map.of(), null),
        HttpResponse.BodyHandlers.ofString());
    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(calls).containsExactly("TRACE", "null");

    HttpResponse<String> bad = http.send(request(withLevels, "POST", "/server/logging?level=loud", Map.of(), null),
        HttpResponse.BodyHandlers.ofString());
    assertError(bad, 400, "BadRequestException",
        "Invalid log level: loud (expected one of trace, debug, info, warn, error, off)");
    HttpResponse<String> get = http.send(request(withLevels, "GET", "/server/logging", Map.of(), null),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(calls).hasSize(2);
  }

  @Test
  void registerDescribeScaleUnregisterRoundTrip() throws Exception {
    String url = conformanceModel("roundtrip", "echo", Map.of());
    HttpResponse<String> registered = send("POST", "/models?url=" + url + "&model_name=roundtrip", Map.of(), null);
    assertThat(registered.statusCode()).isEqualTo(200);
    assertThat(registered.body()).isEqualTo("{\n  \"status\": \"Model \\\"roundtrip\\\" registered.\"\n}\n");
    try {
      try (RawHttp raw = new RawHttp(base)) {
        raw.send("POST", "/models?url=" + url + "&model_name=roundtrip", Map.of(), null);
        RawHttp.Head head = raw.readHead();
        assertStatusLine(head, "HTTP/1.1 409 Workflow roundtrip is already registered.");
        assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
            .isEqualTo(
                "{\n  \"code\": 409,\n  \"type\": \"BadRequestException\",\n"
                    + "  \"message\": \"Workflow roundtrip is already registered.\"\n}\n");
      }

      JsonObject model = describeOne("roundtrip");
      assertThat(model.keySet())
          .containsExactly(
              "modelName", "modelUrl", "batchSize", "maxBatchDelayMillis", "maxIdleSeconds", "queueSize",
              "requestInQueue", "status", "loadedAtStartup", "workerGroups");
      assertThat(model.get("modelName").getAsString()).isEqualTo("roundtrip");
      assertThat(model.get("modelUrl").getAsString()).isEqualTo(url);
      assertThat(model.get("batchSize").getAsInt()).isEqualTo(1);
      assertThat(model.get("maxBatchDelayMillis").getAsInt()).isEqualTo(100);
      assertThat(model.get("maxIdleSeconds").getAsInt()).isEqualTo(60);
      assertThat(model.get("queueSize").getAsInt()).isEqualTo(1000);
      assertThat(model.get("requestInQueue").getAsInt()).isEqualTo(0);
      assertThat(model.get("status").getAsString()).isEqualTo("Healthy");
      assertThat(model.get("loadedAtStartup").getAsBoolean()).isFalse();
      JsonObject group = model.getAsJsonArray("workerGroups").get(0).getAsJsonObject();
      assertThat(group.getAsJsonObject("device").toString()).isEqualTo("{\"deviceType\":\"cpu\",\"deviceId\":-1}");
      assertThat(group.get("minWorkers").getAsInt()).isEqualTo(1);
      JsonObject worker = group.getAsJsonArray("workers").get(0).getAsJsonObject();
      assertThat(worker.keySet()).containsExactly("id", "startTime", "status");
      assertThat(worker.get("status").getAsString()).isEqualTo("READY");

      HttpResponse<String> scaled = send("PUT", "/models/roundtrip?min_worker=2&max_worker=2", Map.of(), null);
      assertThat(scaled.body())
          .isEqualTo(
              "{\n  \"status\": \"Workflow \\\"roundtrip\\\" worker scaled. "
                  + "New Worker configuration min workers:2 max workers:2\"\n}\n");
      Awaitility.await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                JsonObject g = describeOne("roundtrip").getAsJsonArray("workerGroups").get(0).getAsJsonObject();
                assertThat(g.get("minWorkers").getAsInt()).isEqualTo(2);
                assertThat(g.get("maxWorkers").getAsInt()).isEqualTo(2);
                assertThat(g.getAsJsonArray("workers")).hasSize(2);
              });

      assertError(
          send("PUT", "/models/roundtrip?min_worker=3&max_worker=1", Map.of(), null),
          400,
          "BadRequestException",
          "max_worker cannot be less than min_worker.");
      try (RawHttp raw = new RawHttp(base)) {
        raw.send("PUT", "/models/roundtrip?min_worker=abc", Map.of(), null);
        RawHttp.Head head = raw.readHead();
        assertStatusLine(head, "HTTP/1.1 400 parameter is invalid number.For input string: \"abc\"");
        assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
            .isEqualTo(
                "{\n  \"code\": 400,\n  \"type\": \"BadRequestException\",\n"
                    + "  \"message\": \"For input string: \\\"abc\\\"\"\n}\n");
      }
      assertError(
          send("PUT", "/models/nosuchmodel?min_worker=1", Map.of(), null),
          404,
          "ModelNotFoundException",
          "Model or workflow not found: nosuchmodel");

      assertThat(send("POST", "/predictions/roundtrip", Map.of(), bytes("hi")).body()).isEqualTo("hi");
    } finally {
      HttpResponse<String> deleted = send("DELETE", "/models/roundtrip", Map.of(), null);
      assertThat(deleted.body()).isEqualTo("{\n  \"status\": \"Model or workflow \\\"roundtrip\\\" unregistered\"\n}\n");
    }
    assertError(
        send("DELETE", "/models/roundtrip", Map.of(), null),
        404,
        "ModelNotFoundException",
        "Model or workflow not found: roundtrip");
    assertError(
        send("POST", "/predictions/roundtrip", Map.of(), bytes("hi")),
        404,
        "ModelNotFoundException",
        "Model or workflow not found: roundtrip");
    assertError(
        send("GET", "/models/roundtrip", Map.of(), null),
        404,
        "ModelNotFoundException",
        "Workflow not found: roundtrip");
  }

  @Test
  void describeShowsStartupModelsAndVersions() throws Exception {
    JsonArray described = JsonParser.parseString(send("GET", "/models/digits", Map.of(), null).body()).getAsJsonArray();
    assertThat(described).hasSize(1);
    JsonObject workflow = described.get(0).getAsJsonObject();
    assertThat(workflow.keySet()).containsExactly("workflowName", "models");
    assertThat(workflow.get("workflowName").getAsString()).isEqualTo("digits");
    assertThat(workflow.getAsJsonArray("models").get(0).getAsJsonObject().get("loadedAtStartup").getAsBoolean())
        .isTrue();

    String url = conformanceModel("versioned", "echo", Map.of());
    assertThat(send("POST", "/models?url=" + url + "&model_name=versioned&model_version=1", Map.of(), null).statusCode())
        .isEqualTo(200);
    assertThat(send("POST", "/models?url=" + url + "&model_name=versioned&model_version=2", Map.of(), null).statusCode())
        .isEqualTo(200);
    try {
      JsonArray both = JsonParser.parseString(send("GET", "/models/versioned", Map.of(), null).body()).getAsJsonArray();
      assertThat(both).hasSize(2);
      assertThat(both.get(1).getAsJsonObject().get("version").getAsString()).isEqualTo("2");
      JsonArray one = JsonParser.parseString(send("GET", "/models/versioned/1", Map.of(), null).body()).getAsJsonArray();
      assertThat(one).hasSize(1);
      assertThat(one.get(0).getAsJsonObject().getAsJsonArray("models").get(0).getAsJsonObject().get("version").getAsString())
          .isEqualTo("1");
      assertThat(send("POST", "/predictions/versioned/1", Map.of(), bytes("v1")).body()).isEqualTo("v1");
      assertThat(send("POST", "/predictions/versioned", Map.of(), bytes("latest")).body()).isEqualTo("latest");
      assertThat(send("DELETE", "/models/versioned/1", Map.of(), null).statusCode()).isEqualTo(200);
      assertThat(send("POST", "/predictions/versioned/1", Map.of(), bytes("v1")).statusCode()).isEqualTo(404);
    } finally {
      send("DELETE", "/models/versioned", Map.of(), null);
    }
    assertThat(send("GET", "/models/versioned", Map.of(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void registerNeedsAUrl() throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.send("POST", "/models", Map.of(), null);
      RawHttp.Head head = raw.readHead();
      assertStatusLine(head, "HTTP/1.1 400 Parameter url is required.");
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8))
          .isEqualTo(
              "{\n  \"code\": 400,\n  \"type\": \"BadRequestException\",\n"
                  + "  \"message\": \"Parameter url is required.\"\n}\n");
    }
  }

  @Test
  void registerFromJsonBodyAndWithSettings() throws Exception {
    String url = conformanceModel("jsonbody", "echo", Map.of());
    String body = "{\"url\": \"" + url + "\", \"model_name\": \"jsonbody\", \"batch_size\": 4, \"max_batch_delay\": 7,"
        + " \"job_queue_size\": 9, \"min_worker\": 1, \"max_worker\": 1}";
    HttpResponse<String> r = send("POST", "/models", Map.of("Content-Type", "application/json"), bytes(body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    try {
      JsonObject model = describeOne("jsonbody");
      assertThat(model.get("batchSize").getAsInt()).isEqualTo(4);
      assertThat(model.get("maxBatchDelayMillis").getAsInt()).isEqualTo(7);
      assertThat(model.get("queueSize").getAsInt()).isEqualTo(9);
      JsonObject group = model.getAsJsonArray("workerGroups").get(0).getAsJsonObject();
      assertThat(group.get("maxWorkers").getAsInt()).isEqualTo(1);
    } finally {
      send("DELETE", "/models/jsonbody", Map.of(), null);
    }
    HttpResponse<String> bad =
        send("POST", "/models", Map.of("Content-Type", "application/json"), bytes("{\"url\": \"" + url + "\", \"colour\": 1}"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("message").getAsString()).contains("colour");
    HttpResponse<String> badNumber =
        send("POST", "/models?url=" + url + "&model_name=badnumber&batch_size=many", Map.of(), null);
    assertError(badNumber, 400, "BadRequestException", "For input string: \"many\"");
  }

  @Test
  void asynchronousRegisterAnswers202AndLoadsInTheBackground() throws Exception {
    String url = conformanceModel("later", "echo", Map.of());
    HttpResponse<String> r = send("POST", "/models?url=" + url + "&model_name=later&synchronous=false", Map.of(), null);
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.body()).isEqualTo("{\n  \"status\": \"Model \\\"later\\\" registration scheduled.\"\n}\n");
    try {
      Awaitility.await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(send("POST", "/predictions/later", Map.of(), bytes("ok")).body()).isEqualTo("ok"));
    } finally {
      send("DELETE", "/models/later", Map.of(), null);
    }
  }

  @Test
  void failedModelMakesPing500() throws Exception {
    String url = conformanceModel("broken", "failload", Map.of());
    HttpResponse<String> sync = send("POST", "/models?url=" + url + "&model_name=broken", Map.of(), null);
    assertThat(sync.statusCode()).isEqualTo(500);
    assertThat(json(sync).get("message").getAsString()).contains("refuses to load");
    assertThat(send("GET", "/models/broken", Map.of(), null).statusCode()).as("a failed synchronous load is not kept").isEqualTo(404);

    HttpResponse<String> async =
        send("POST", "/models?url=" + url + "&model_name=broken&synchronous=false", Map.of(), null);
    assertThat(async.statusCode()).isEqualTo(202);
    try {
      Awaitility.await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(send("GET", "/ping", Map.of(), null).statusCode()).isEqualTo(500));
      JsonObject ping = json(send("GET", "/ping", Map.of(), null));
      assertThat(ping.getAsJsonObject("broken").get("status").getAsString()).isEqualTo("FAILED");
      assertThat(ping.getAsJsonObject("echo").get("status").getAsString()).isEqualTo("Healthy");
      JsonObject model = describeOne("broken");
      assertThat(model.get("status").getAsString()).isEqualTo("FAILED");
      assertThat(model.get("failure").getAsString()).contains("refuses to load");
      HttpResponse<String> predict = send("POST", "/predictions/broken", Map.of(), bytes("x"));
      assertThat(predict.statusCode()).isEqualTo(503);
      assertThat(json(predict).get("type").getAsString()).isEqualTo("ServiceUnavailableException");
    } finally {
      send("DELETE", "/models/broken", Map.of(), null);
    }
    assertThat(send("GET", "/ping", Map.of(), null).statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- configuration

  @Test
  void corsHeadersAreAddedWhenConfigured() throws Exception {
    URI cors =
        start(
            ApiConfig.builder()
                .corsAllowedOrigin("*")
                .corsAllowedMethods("GET, POST")
                .corsAllowedHeaders("Content-Type")
                .build());
    for (String path : List.of("/ping", "/nosuchpath")) {
      HttpResponse<String> r = http.send(request(cors, "GET", path, Map.of(), null), HttpResponse.BodyHandlers.ofString());
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
      assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, POST");
      assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Content-Type");
    }
    assertThat(send("GET", "/ping", Map.of(), null).headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void endpointGroupsCanBeServedApart() throws Exception {
    URI inference = start(ApiConfig.builder().endpoints(ApiConfig.Endpoints.INFERENCE).build());
    URI management = start(ApiConfig.builder().endpoints(ApiConfig.Endpoints.MANAGEMENT).build());
    String notFound = "Requested resource is not found, please refer to API document.";
    assertError(
        http.send(request(inference, "GET", "/models", Map.of(), null), HttpResponse.BodyHandlers.ofString()),
        404, "ResourceNotFoundException", notFound);
    assertThat(http.send(request(inference, "GET", "/ping", Map.of(), null), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(request(inference, "POST", "/models/echo/invoke", Map.of(), bytes("i")), HttpResponse.BodyHandlers.ofString())
                .body())
        .isEqualTo("i");
    assertError(
        http.send(request(management, "GET", "/ping", Map.of(), null), HttpResponse.BodyHandlers.ofString()),
        404, "ResourceNotFoundException", notFound);
    assertError(
        http.send(request(management, "POST", "/predictions/echo", Map.of(), bytes("x")), HttpResponse.BodyHandlers.ofString()),
        404, "ResourceNotFoundException", notFound);
    assertThat(http.send(request(management, "GET", "/models", Map.of(), null), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    assertThat(http.send(request(management, "GET", "/metrics", Map.of(), null), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
  }

  // ---------------------------------------------------------------- helpers

  /** Serves the suite's model server with another configuration on a new listener of the adapter. */
  private URI start(ApiConfig config) throws Exception {
    ServingApi api = new ServingApi(server, config);
    apis.add(api);
    return sut.start(api);
  }

  /** A model folder served by {@link ConformanceModeProvider}; returns its {@code file:} URL. */
  private String conformanceModel(String folder, String behaviour, Map<String, String> properties) throws IOException {
    Path dir = Files.createDirectories(modelDir.resolve(folder));
    StringBuilder sb = new StringBuilder("engine=Python\n" + ConformanceModeProvider.BEHAVIOUR + "=" + behaviour + "\n");
    properties.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(dir.resolve("serving.properties"), sb.toString());
    return dir.toUri().toString();
  }

  /** The repository root (the folder holding examples/models), found upwards from the working directory. */
  static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples/models/digits-pt"))) {
        return p;
      }
    }
    throw new IllegalStateException("examples/models/digits-pt not found above " + Path.of("").toAbsolutePath());
  }

  private HttpRequest request(URI uri, String method, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri.resolve(path))
            .timeout(WAIT)
            .method(
                method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return b.build();
  }

  private HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    return http.send(request(base, method, path, headers, body), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, byte[] body) {
    return http.sendAsync(request(base, method, path, Map.of(), body), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject describeOne(String name) throws Exception {
    HttpResponse<String> r = send("GET", "/models/" + name, Map.of(), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonArray all = JsonParser.parseString(r.body()).getAsJsonArray();
    return all.get(0).getAsJsonObject().getAsJsonArray("models").get(0).getAsJsonObject();
  }

  /** The whole status line, or only its code where the adapter cannot send reason phrases. */
  private void assertStatusLine(RawHttp.Head head, String expected) {
    if (sut.sendsReasonPhrases()) {
      assertThat(head.statusLine()).isEqualTo(expected);
    } else {
      assertThat(head.status()).as(head.statusLine()).isEqualTo(Integer.parseInt(expected.split(" ")[1]));
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String type, String message) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
    JsonObject expected = new JsonObject();
    expected.addProperty("code", status);
    expected.addProperty("type", type);
    expected.addProperty("message", message);
    assertThat(r.body())
        .isEqualTo(new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(expected) + "\n");
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private static List<List<String>> contentOf(JsonObject picture) {
    List<List<String>> out = new ArrayList<>();
    for (JsonElement e : picture.getAsJsonArray("content")) {
      JsonArray pair = e.getAsJsonArray();
      out.add(List.of(pair.get(0).getAsString(), pair.get(1).getAsString()));
    }
    return out;
  }

  private static String propertyIgnoringCase(JsonObject props, String name) {
    for (String key : props.keySet()) {
      if (key.equalsIgnoreCase(name)) {
        return props.get(key).getAsString();
      }
    }
    return null;
  }

  private static List<String> names(JsonObject list) {
    List<String> names = new ArrayList<>();
    for (JsonElement e : list.getAsJsonArray("models")) {
      names.add(e.getAsJsonObject().get("modelName").getAsString());
    }
    return names;
  }

  private static List<String> workflowNames(JsonObject list) {
    List<String> names = new ArrayList<>();
    for (JsonElement e : list.getAsJsonArray("workflows")) {
      names.add(e.getAsJsonObject().get("workflowName").getAsString());
    }
    return names;
  }

  private static String topClass(String body) {
    return JsonParser.parseString(body).getAsJsonArray().get(0).getAsJsonObject().get("className").getAsString();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] multipart(String boundary, Map<String, byte[]> parts) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> p : parts.entrySet()) {
      out.write(bytes("--" + boundary + "\r\n"));
      out.write(bytes("Content-Disposition: form-data; name=\"" + p.getKey() + "\"; filename=\"" + p.getKey() + ".bin\"\r\n"));
      out.write(bytes("Content-Type: application/octet-stream\r\n\r\n"));
      out.write(p.getValue());
      out.write(bytes("\r\n"));
    }
    out.write(bytes("--" + boundary + "--\r\n"));
    return out.toByteArray();
  }
}
