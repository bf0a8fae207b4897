package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.servingkit.ModelServer;
import io.servingkit.RegistrationPolicy;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.api.TokenAuthorization;
import io.servingkit.testing.ThreadLeaks;
import io.servingkit.undertow.OpenApiDocument.Documented;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks serving-core's OpenAPI document ({@code io/servingkit/api/openapi.json}) against the real server: a
 * {@link ModelServer} with real models (the TorchScript digits classifier, the ONNX MLP, Python handlers in real
 * worker processes) served by {@link ServingHandler} on an Undertow listener on 127.0.0.1, called over HTTP.
 *
 * <p>A table maps every documented (method, path, status) to a request that should produce it. The requests run
 * once; then each documented response must have been produced with that status, its declared headers and a body
 * that validates against its schema ({@link JsonSchemaSubset}), and every response the table produces must be
 * documented. Requests to undocumented paths and methods must get the 404 / 405 the document describes. The check
 * itself is shown to catch a wrong document: altered copies (a property dropped, a status changed) must fail it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OpenApiTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int MAX_REQUEST_SIZE = 16 * 1024;
  private static final String MISSING = "nosuch";
  private static final Map<String, String> NO_HEADERS = Map.of();
  private static final Map<String, String> IMAGE = Map.of("Content-Type", "image/png");
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");
  /** What a browser adds to a page's cross-origin request; no origin is allowed to manage here. */
  private static final Map<String, String> CROSS_ORIGIN = Map.of("Origin", "https://evil.example");

  /** A request for one documented response. */
  @FunctionalInterface
  private interface Exchange {
    HttpResponse<String> run() throws Exception;
  }

  /** A documented response and the request that should produce it. */
  private record Case(String method, String path, int status, Exchange exchange) {
    String key() {
      return Documented.key(method, path, status);
    }
  }

  /** What a case's request got: a response, or the exception that stopped it. */
  private record Observation(HttpResponse<String> response, Exception failure) {}

  /** An inference route: the concrete path that runs a given model through it. */
  private record Route(String method, String template, UnaryOperator<String> path) {}

  /** A management path of one model: the concrete path for a given model name. */
  private record ModelPath(String template, UnaryOperator<String> path) {}

  private final Map<String, Observation> observed = new LinkedHashMap<>();
  private OpenApiDocument document;
  private Path temp;
  private ModelServer models;
  private ServingApi api;
  private UndertowServerUnderTest undertow;
  private URI base;
  /** A second listener of the same models whose API requires TorchServe-style keys (for the 401s). */
  private ServingApi keyedApi;
  private URI keyed;
  private ServingApi drainingApi;
  private UndertowServerUnderTest drainingUndertow;
  private URI drainingBase;
  private HttpClient http;
  private byte[] digit;

  @BeforeAll
  void startServerAndRunTheTable() throws Exception {
    document = OpenApiDocument.load();
    temp = Files.createTempDirectory("servingkit-openapi-");
    digit = Files.readAllBytes(repo("examples/models/digit-images/3.png"));
    models =
        ModelServer.builder()
            .model("digits:1=" + url("examples/models/digits-pt"))
            .model("idle:1=" + url("examples/models/mlp-onnx") + "?minWorkers=0&maxWorkers=0")
            .model("boom:1=" + url("examples/models/python/boom"))
            .model("none:1=" + url("examples/models/python/none"))
            .model("oom:1=" + outOfMemoryModel().toUri())
            .model("mlp:1=" + url("examples/models/mlp-onnx"))
            .build();
    api = new ServingApi(models, ApiConfig.builder()
                .maxRequestSize(MAX_REQUEST_SIZE)
                .registrationPolicy(RegistrationPolicy.builder().allowedUrls("file:.*").build())
                .build());
    undertow = new UndertowServerUnderTest();
    base = undertow.start(api);
    keyedApi =
        new ServingApi(
            models,
            ApiConfig.builder()
                .tokenAuthorization(TokenAuthorization.create(Duration.ofMinutes(60), temp.resolve("key_file.json")))
                .build());
    keyed = undertow.start(keyedApi);
    // the same models behind an API whose embedding server does not take traffic (draining, say)
    drainingApi = new ServingApi(models, ApiConfig.builder().takingTraffic(() -> false).build());
    drainingUndertow = new UndertowServerUnderTest();
    drainingBase = drainingUndertow.start(drainingApi);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
    for (Case c : table()) {
      observed.put(c.key(), observe(c));
    }
  }

  @AfterAll
  void stopServer() throws Exception {
    try {
      if (undertow != null) {
        undertow.close();
      }
      if (drainingUndertow != null) {
        drainingUndertow.close();
      }
    } finally {
      if (api != null) {
        api.close();
      }
      if (keyedApi != null) {
        keyedApi.close();
      }
      if (drainingApi != null) {
        drainingApi.close();
      }
      if (models != null) {
        models.close();
      }
      deleteTree(temp);
    }
    ThreadLeaks.assertNoneLeft();
  }

  // ---------------------------------------------------------------- tests

  @Test
  void documentIsOpenApi303AndEveryResponseDeclaresXRequestId() {
    assertThat(document.root().get("openapi").getAsString()).isEqualTo("3.0.3");
    assertThat(document.responses()).hasSizeGreaterThan(50);
    for (Documented d : document.responses()) {
      JsonObject headers = d.response().getAsJsonObject("headers");
      assertThat(headers).as(d.key()).isNotNull();
      assertThat(headers.has("x-request-id")).as(d.key()).isTrue();
      assertThat(document.resolve(headers.get("x-request-id")).get("required").getAsBoolean()).as(d.key()).isTrue();
    }
  }

  @Test
  void everyDocumentedResponseIsProducedByARealRequestAndMatchesItsSchema() {
    assertThat(problems(document)).isEmpty();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "GET, /nosuchpath",
    "POST, /",
    "GET, /predictions",
    "POST, /predictions/digits/1/extra",
    "GET, /ping/extra",
    "GET, /models/digits/1/extra",
    "GET, /server",
    "GET, /metrics/extra",
    "POST, /metrics",
    "DELETE, /server/metrics",
    "PUT, /models",
    "DELETE, /models",
    "POST, /models/digits",
    "PATCH, /models/digits/1"
  })
  void undocumentedRequestsGetThe404Or405TheDocumentDescribes(String method, String path) throws Exception {
    var template = document.template(path);
    assertThat(template.isPresent() && document.handles(template.get(), method))
        .as("%s %s is documented", method, path)
        .isFalse();
    JsonObject expected =
        document
            .component("responses", template.isEmpty() ? "NotFound" : "MethodNotAllowed")
            .getAsJsonObject("content")
            .getAsJsonObject("application/json")
            .getAsJsonObject("example");
    HttpResponse<String> r = send(method, path, NO_HEADERS, bytes("x"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected.get("code").getAsInt());
    assertThat(JsonParser.parseString(r.body())).isEqualTo(expected);
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "GET, /v2/nosuch, 404",
    "GET, /v2/models/mlp/infer, 405",
    "POST, /v2/health/ready, 405",
    "DELETE, /v2/models/mlp, 405",
    "GET, /v2/models/mlp/versions/1/extra, 404"
  })
  void undocumentedV2RequestsGetTheProtocolsErrorBody(String method, String path, int status) throws Exception {
    var template = document.template(path);
    assertThat(template.isPresent() && document.handles(template.get(), method))
        .as("%s %s is documented", method, path)
        .isFalse();
    HttpResponse<String> r = send(method, path, NO_HEADERS, bytes("x"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(new JsonSchemaSubset(document).check(JsonParser.parseString(r.body()),
        document.component("schemas", "V2Error"), "body")).isEmpty();
    assertThat(r.headers().firstValue("x-request-id")).isPresent();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "DELETE, /ping, 200",
    "PATCH, /predictions/none, 204",
    "DELETE, /predictions/none/1, 204",
    "GET, /invocations?model_name=none, 204",
    "PATCH, /models/none/invoke, 204"
  })
  void unlistedMethodsOnAnyMethodPathsAreHandled(String method, String path, int status) throws Exception {
    String template = document.template(path.replaceAll("\\?.*", "")).orElseThrow();
    assertThat(document.lists(template, method)).as("%s %s is listed", method, template).isFalse();
    assertThat(document.handles(template, method)).as("%s marked %s", template, OpenApiDocument.ANY_METHOD).isTrue();
    HttpResponse<String> r = send(method, path, NO_HEADERS, bytes("x"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wrongDocuments")
  void theCheckCatchesAWrongDocument(String change, Consumer<JsonObject> mutation) {
    List<String> added = new ArrayList<>(problems(document.changed(mutation)));
    added.removeAll(problems(document));
    assertThat(added).as(change).isNotEmpty();
  }

  Stream<Arguments> wrongDocuments() {
    return Stream.of(
        Arguments.of(
            "Error loses its message property",
            (Consumer<JsonObject>) d -> schema(d, "Error").getAsJsonObject("properties").remove("message")),
        Arguments.of(
            "Status requires a property the server never sends",
            (Consumer<JsonObject>) d -> schema(d, "Status").getAsJsonArray("required").add("detail")),
        Arguments.of(
            "ModelDetail says batchSize is a string",
            (Consumer<JsonObject>) d -> property(schema(d, "ModelDetail"), "batchSize").addProperty("type", "string")),
        Arguments.of(
            "GET /models/{model} answers 410 instead of 404",
            (Consumer<JsonObject>) d -> renameStatus(operation(d, "/models/{model}", "get"), "404", "410")),
        Arguments.of(
            "POST /models loses its 403",
            (Consumer<JsonObject>) d -> operation(d, "/models", "post").getAsJsonObject("responses").remove("403")),
        Arguments.of(
            "Unauthorized answers promise a header the server never sends",
            (Consumer<JsonObject>)
                d -> response(d, "Unauthorized").getAsJsonObject("headers").add("x-colour", requiredHeader())),
        Arguments.of(
            "POST /models loses its 409",
            (Consumer<JsonObject>) d -> operation(d, "/models", "post").getAsJsonObject("responses").remove("409")),
        Arguments.of(
            "Ping entries must be arrays",
            (Consumer<JsonObject>) d -> schema(d, "ModelHealth").addProperty("type", "array")),
        Arguments.of(
            "Metrics are documented as JSON",
            (Consumer<JsonObject>) d -> mediaType(response(d, "Metrics"), "text/plain", "application/json")),
        Arguments.of(
            "Status responses promise an x-colour header",
            (Consumer<JsonObject>)
                d -> response(d, "Status").getAsJsonObject("headers").add("x-colour", requiredHeader())));
  }

  // ---------------------------------------------------------------- the table

  /** Every documented response with the request that should produce it. */
  private List<Case> table() {
    List<Case> cases = new ArrayList<>();
    for (Route route : inferenceRoutes()) {
      inferenceCases(route, cases);
    }
    listAndRegisterCases(cases);
    for (ModelPath path : modelPaths()) {
      modelCases(path, cases);
    }
    cases.add(new Case("GET", "/ping", 200, () -> send("GET", "/ping")));
    cases.add(new Case("GET", "/ping", 500, () -> withFailedModel("broken", () -> send("GET", "/ping"))));
    cases.add(new Case("GET", "/metrics", 200, () -> send("GET", "/metrics")));
    cases.add(new Case("GET", "/server/metrics", 200, () -> send("GET", "/server/metrics")));
    v2Cases(cases);
    return cases;
  }

  /** The Open Inference Protocol's routes, on the ONNX MLP. */
  private void v2Cases(List<Case> cases) {
    cases.add(new Case("GET", "/v2/health/live", 200, () -> send("GET", "/v2/health/live")));
    cases.add(new Case("GET", "/v2/health/ready", 200, () -> send("GET", "/v2/health/ready")));
    cases.add(new Case("GET", "/v2/health/ready", 400, () -> sendTo(drainingBase, "GET", "/v2/health/ready")));
    cases.add(new Case("GET", "/v2", 200, () -> send("GET", "/v2")));
    for (ModelPath p : List.of(
        new ModelPath("/v2/models/{model}", m -> "/v2/models/" + m),
        new ModelPath("/v2/models/{model}/versions/{version}", m -> "/v2/models/" + m + "/versions/1"))) {
      String t = p.template();
      cases.add(new Case("GET", t, 200, () -> send("GET", p.path().apply("mlp"))));
      cases.add(new Case("GET", t, 404, () -> send("GET", p.path().apply(MISSING))));
      cases.add(new Case("GET", t + "/ready", 200, () -> send("GET", p.path().apply("mlp") + "/ready")));
      Exchange failedReady = () -> send("GET", p.path().apply("unready") + "/ready");
      cases.add(new Case("GET", t + "/ready", 400, () -> withFailedModel("unready", failedReady)));
      cases.add(new Case("GET", t + "/ready", 404, () -> send("GET", p.path().apply(MISSING) + "/ready")));
      String infer = t + "/infer";
      cases.add(new Case("POST", infer, 200, () -> send("POST", p.path().apply("mlp") + "/infer", JSON, v2Row(4))));
      cases.add(new Case("POST", infer, 400, () -> send("POST", p.path().apply("mlp") + "/infer", JSON, v2Row(3))));
      cases.add(new Case("POST", infer, 404, () -> send("POST", p.path().apply(MISSING) + "/infer", JSON, v2Row(4))));
      cases.add(new Case("POST", infer, 413,
          () -> send("POST", p.path().apply("mlp") + "/infer", JSON, new byte[MAX_REQUEST_SIZE + 1])));
      cases.add(new Case("POST", infer, 503, () -> send("POST", p.path().apply("idle") + "/infer", JSON, v2Row(4))));
      cases.add(new Case("GET", t, 401, () -> send(keyed, "GET", p.path().apply("mlp"), NO_HEADERS, null)));
      cases.add(new Case("GET", t + "/ready", 401, () -> send(keyed, "GET", p.path().apply("mlp") + "/ready", NO_HEADERS, null)));
      cases.add(new Case("POST", infer, 401, () -> send(keyed, "POST", p.path().apply("mlp") + "/infer", JSON, v2Row(4))));
    }
  }

  /** A V2 JSON request with one FP32 [1, 4] input whose data has {@code values} elements. */
  private static byte[] v2Row(int values) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < values; i++) {
      data.append(i == 0 ? "" : ",").append(0.25 * i);
    }
    return bytes("{\"id\":\"openapi\",\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,4],"
        + "\"data\":[" + data + "]}]}");
  }

  private static List<Route> inferenceRoutes() {
    List<Route> routes = new ArrayList<>();
    for (String method : List.of("GET", "POST", "PUT")) {
      routes.add(new Route(method, "/predictions/{model}", m -> "/predictions/" + m));
      routes.add(new Route(method, "/predictions/{model}/{version}", m -> "/predictions/" + m + "/1"));
    }
    routes.add(new Route("POST", "/invocations", m -> "/invocations?model_name=" + m));
    routes.add(new Route("POST", "/models/{model}/invoke", m -> "/models/" + m + "/invoke"));
    return routes;
  }

  /** The same model behaviours through one inference route. */
  private void inferenceCases(Route route, List<Case> cases) {
    cases.add(infer(route, 200, "digits", IMAGE, digit));
    cases.add(infer(route, 204, "none", NO_HEADERS, bytes("x")));
    cases.add(infer(route, 400, "digits", IMAGE, bytes("this is not a png")));
    cases.add(infer(route, 404, MISSING, NO_HEADERS, bytes("x")));
    cases.add(
        new Case(route.method(), route.template(), 401,
            () -> send(keyed, route.method(), route.path().apply("digits"), IMAGE, digit)));
    cases.add(infer(route, 413, "digits", IMAGE, new byte[MAX_REQUEST_SIZE + 1]));
    cases.add(infer(route, 424, "boom", NO_HEADERS, bytes("x")));
    cases.add(infer(route, 503, "idle", NO_HEADERS, bytes("x")));
    cases.add(infer(route, 507, "oom", NO_HEADERS, bytes("x")));
  }

  private Case infer(Route route, int status, String model, Map<String, String> headers, byte[] body) {
    return new Case(
        route.method(), route.template(), status, () -> send(route.method(), route.path().apply(model), headers, body));
  }

  private void listAndRegisterCases(List<Case> cases) {
    cases.add(new Case("GET", "/models", 200, () -> send("GET", "/models?limit=2")));
    cases.add(new Case("GET", "/models", 400, () -> send("GET", "/models?limit=abc")));
    cases.add(new Case("GET", "/models", 401, () -> send(keyed, "GET", "/models", NO_HEADERS, null)));
    cases.add(new Case("GET", "/models", 403, () -> send("GET", "/models", CROSS_ORIGIN, null)));
    cases.add(new Case("POST", "/models", 200, this::registerFromJsonBody));
    cases.add(new Case("POST", "/models", 202, this::registerInTheBackground));
    // a source the registration policy refuses (allowed_urls here: file: only), before any request leaves
    cases.add(new Case("POST", "/models", 400, () -> register("http://169.254.169.254/latest/m.zip", "refused")));
    String register = "/models?url=" + encode(url("examples/models/mlp-onnx")) + "&model_name=nokey";
    cases.add(new Case("POST", "/models", 401, () -> send(keyed, "POST", register, NO_HEADERS, null)));
    cases.add(new Case("POST", "/models", 403, () -> send("POST", register, CROSS_ORIGIN, null)));
    cases.add(new Case("POST", "/models", 404, () -> register(temp.resolve("absent").toUri().toString(), "absent")));
    cases.add(new Case("POST", "/models", 409, () -> register(url("examples/models/digits-pt"), "digits")));
    cases.add(
        new Case("POST", "/models", 413, () -> send("POST", "/models", JSON, new byte[MAX_REQUEST_SIZE + 1])));
    cases.add(new Case("POST", "/models", 500, () -> register(unloadableUrl(), "unloadable")));
    cases.add(
        new Case(
            "POST",
            "/models",
            507,
            () -> register(url("examples/models/mlp-onnx") + "?required_memory_mb=100000000", "huge")));
  }

  private static List<ModelPath> modelPaths() {
    return List.of(
        new ModelPath("/models/{model}", m -> "/models/" + m),
        new ModelPath("/models/{model}/{version}", m -> "/models/" + m + "/1"));
  }

  /** Describe, scale and unregister through one management path. */
  private void modelCases(ModelPath p, List<Case> cases) {
    String t = p.template();
    cases.add(new Case("GET", t, 200, () -> send("GET", p.path().apply("digits"))));
    cases.add(new Case("GET", t, 404, () -> send("GET", p.path().apply(MISSING))));
    cases.add(new Case("GET", t, 401, () -> send(keyed, "GET", p.path().apply("digits"), NO_HEADERS, null)));
    cases.add(new Case("GET", t, 403, () -> send("GET", p.path().apply("digits"), CROSS_ORIGIN, null)));
    cases.add(new Case("PUT", t, 401, () -> send(keyed, "PUT", p.path().apply("digits") + "?min_worker=1", NO_HEADERS, null)));
    cases.add(new Case("PUT", t, 403, () -> send("PUT", p.path().apply("digits") + "?min_worker=1", CROSS_ORIGIN, null)));
    cases.add(new Case("DELETE", t, 401, () -> send(keyed, "DELETE", p.path().apply("digits"), NO_HEADERS, null)));
    cases.add(new Case("DELETE", t, 403, () -> send("DELETE", p.path().apply("digits"), CROSS_ORIGIN, null)));
    cases.add(new Case("PUT", t, 200, () -> send("PUT", p.path().apply("digits") + "?min_worker=1&max_worker=1")));
    cases.add(new Case("PUT", t, 400, () -> send("PUT", p.path().apply("digits") + "?min_worker=abc")));
    cases.add(new Case("PUT", t, 404, () -> send("PUT", p.path().apply(MISSING) + "?min_worker=1")));
    Exchange scaleFailed = () -> send("PUT", p.path().apply("stuck") + "?min_worker=1");
    cases.add(new Case("PUT", t, 503, () -> withFailedModel("stuck", scaleFailed)));
    cases.add(new Case("DELETE", t, 200, () -> registerThenDelete(p)));
    cases.add(new Case("DELETE", t, 404, () -> send("DELETE", p.path().apply(MISSING))));
  }

  // ---------------------------------------------------------------- the check

  /** Everything wrong with {@code doc} given what the table's requests got; empty when it matches the server. */
  private List<String> problems(OpenApiDocument doc) {
    List<String> problems = new ArrayList<>();
    Set<String> documented = new LinkedHashSet<>();
    for (Documented d : doc.responses()) {
      documented.add(d.key());
      Observation o = observed.get(d.key());
      if (o == null) {
        problems.add(d.key() + ": documented, but no request in the table produces it");
      } else {
        problems.addAll(check(doc, d, o));
      }
    }
    for (String key : observed.keySet()) {
      if (!documented.contains(key)) {
        problems.add(key + ": the table produces it, but the document does not list it");
      }
    }
    return problems;
  }

  private static List<String> check(OpenApiDocument doc, Documented d, Observation o) {
    if (o.failure() != null) {
      return List.of(d.key() + ": the request failed: " + o.failure());
    }
    HttpResponse<String> r = o.response();
    if (r.statusCode() != d.status()) {
      return List.of(d.key() + ": the request was answered " + r.statusCode() + " " + r.body());
    }
    List<String> problems = new ArrayList<>();
    checkHeaders(doc, d, r, problems);
    checkBody(doc, d, r, problems);
    return problems;
  }

  private static void checkHeaders(OpenApiDocument doc, Documented d, HttpResponse<String> r, List<String> problems) {
    JsonObject headers = d.response().getAsJsonObject("headers");
    if (headers == null) {
      return;
    }
    for (String name : headers.keySet()) {
      JsonObject header = doc.resolve(headers.get(name));
      boolean required = header.has("required") && header.get("required").getAsBoolean();
      if (required && r.headers().firstValue(name).isEmpty()) {
        problems.add(d.key() + ": header " + name + " is missing");
      }
    }
  }

  private static void checkBody(OpenApiDocument doc, Documented d, HttpResponse<String> r, List<String> problems) {
    JsonObject content = d.response().getAsJsonObject("content");
    if (content == null) {
      if (!r.body().isEmpty()) {
        problems.add(d.key() + ": documented without a body, got " + r.body());
      }
      return;
    }
    String mediaType = content.keySet().iterator().next();
    if (mediaType.equals("*/*")) {
      return;
    }
    String actual = r.headers().firstValue("content-type").orElse("").replaceAll(";.*", "").strip();
    if (!actual.equalsIgnoreCase(mediaType)) {
      problems.add(d.key() + ": content-type " + actual + ", documented " + mediaType);
      return;
    }
    JsonElement schema = content.getAsJsonObject(mediaType).get("schema");
    JsonElement body;
    try {
      body = mediaType.equals("application/json") ? JsonParser.parseString(r.body()) : new JsonPrimitive(r.body());
    } catch (JsonParseException e) {
      problems.add(d.key() + ": the body is not JSON: " + r.body());
      return;
    }
    problems.addAll(new JsonSchemaSubset(doc).check(body, schema, d.key() + " body"));
  }

  // ---------------------------------------------------------------- requests with set-up

  private HttpResponse<String> registerFromJsonBody() throws Exception {
    JsonObject body = new JsonObject();
    body.addProperty("url", url("examples/models/mlp-onnx"));
    body.addProperty("model_name", "fresh");
    body.addProperty("min_worker", 1);
    body.addProperty("synchronous", true);
    try {
      return send("POST", "/models", JSON, bytes(body.toString()));
    } finally {
      send("DELETE", "/models/fresh");
    }
  }

  private HttpResponse<String> registerInTheBackground() throws Exception {
    HttpResponse<String> r =
        send("POST", "/models?url=" + encode(url("examples/models/mlp-onnx")) + "&model_name=later&synchronous=false");
    try {
      awaitStatus("later", "Healthy");
      return r;
    } finally {
      send("DELETE", "/models/later");
    }
  }

  private HttpResponse<String> registerThenDelete(ModelPath p) throws Exception {
    HttpResponse<String> registered = register(url("examples/models/mlp-onnx"), "gone");
    if (registered.statusCode() != 200) {
      throw new IllegalStateException("could not register gone: " + registered.body());
    }
    return send("DELETE", p.path().apply("gone"));
  }

  /** Runs {@code exchange} while a model (version 1) whose load failed is registered under {@code name}. */
  private HttpResponse<String> withFailedModel(String name, Exchange exchange) throws Exception {
    String query = "/models?url=" + encode(unloadableUrl()) + "&model_name=" + name + "&model_version=1";
    HttpResponse<String> scheduled = send("POST", query + "&synchronous=false");
    if (scheduled.statusCode() != 202) {
      throw new IllegalStateException("could not schedule " + name + ": " + scheduled.body());
    }
    try {
      awaitStatus(name, "FAILED");
      return exchange.run();
    } finally {
      send("DELETE", "/models/" + name);
    }
  }

  /** Registers version 1 of {@code url} as {@code name}, synchronously. */
  private HttpResponse<String> register(String url, String name) throws Exception {
    return send("POST", "/models?url=" + encode(url) + "&model_name=" + name + "&model_version=1");
  }

  private void awaitStatus(String name, String status) {
    Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> status.equals(statusOf(name)));
  }

  /** The describe status of the first version of {@code name}, or "" when it cannot be told. */
  private String statusOf(String name) throws Exception {
    HttpResponse<String> r = send("GET", "/models/" + name);
    if (r.statusCode() != 200) {
      return "";
    }
    JsonObject workflow = JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject();
    return workflow.getAsJsonArray("models").get(0).getAsJsonObject().get("status").getAsString();
  }

  private Observation observe(Case c) {
    try {
      return new Observation(c.exchange().run(), null);
    } catch (Exception e) {
      return new Observation(null, e);
    }
  }

  // ---------------------------------------------------------------- helpers

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    return send(method, path, NO_HEADERS, null);
  }

  private HttpResponse<String> sendTo(URI server, String method, String path) throws IOException, InterruptedException {
    return send(server, method, path, NO_HEADERS, null);
  }

  private HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    return send(base, method, path, headers, body);
  }

  private HttpResponse<String> send(URI server, String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.resolve(path))
            .timeout(WAIT)
            .method(
                method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A Python model whose handler runs out of memory on every request. */
  private Path outOfMemoryModel() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("oom"));
    Files.writeString(dir.resolve("serving.properties"), "engine=Python\noption.pythonExecutable=/usr/bin/python3\n");
    Files.writeString(
        dir.resolve("model.py"),
        String.join(
            "\n",
            "from djl_python import Input",
            "",
            "",
            "def handle(inputs: Input):",
            "    if inputs.is_empty():",
            "        return None",
            "    raise MemoryError(\"no room for this request\")",
            ""));
    return dir;
  }

  /**
   * A model folder whose load fails on the server's side (500): ONNX Runtime named, no model file. (A URL no
   * resolver accepts is the client's mistake now: 400.)
   */
  private String unloadableUrl() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("unloadable"));
    Files.writeString(dir.resolve("serving.properties"), "engine=OnnxRuntime\n");
    return dir.toUri().toString();
  }

  private static String url(String relative) {
    return repo(relative).toUri().toString();
  }

  private static Path repo(String relative) {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples/models/digits-pt"))) {
        return p.resolve(relative);
      }
    }
    throw new IllegalStateException("examples/models not found above " + Path.of("").toAbsolutePath());
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  // ---------------------------------------------------------------- document surgery for the mutation checks

  private static JsonObject schema(JsonObject doc, String name) {
    return doc.getAsJsonObject("components").getAsJsonObject("schemas").getAsJsonObject(name);
  }

  private static JsonObject response(JsonObject doc, String name) {
    return doc.getAsJsonObject("components").getAsJsonObject("responses").getAsJsonObject(name);
  }

  private static JsonObject property(JsonObject schema, String name) {
    return schema.getAsJsonObject("properties").getAsJsonObject(name);
  }

  private static JsonObject operation(JsonObject doc, String path, String method) {
    return doc.getAsJsonObject("paths").getAsJsonObject(path).getAsJsonObject(method.toLowerCase(Locale.ROOT));
  }

  private static void renameStatus(JsonObject operation, String from, String to) {
    JsonObject responses = operation.getAsJsonObject("responses");
    responses.add(to, responses.remove(from));
  }

  private static void mediaType(JsonObject response, String from, String to) {
    JsonObject content = response.getAsJsonObject("content");
    content.add(to, content.remove(from));
  }

  private static JsonObject requiredHeader() {
    JsonObject header = new JsonObject();
    header.addProperty("required", true);
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "string");
    header.add("schema", schema);
    return header;
  }
}
