package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.ModelStatus;
import io.servingkit.api.InferTensor;
import io.servingkit.testing.MlpWeights;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Open Inference Protocol ("KServe V2") as its specification states it, written once and run on every transport
 * (REST on Undertow, Tomcat and Jetty with JSON data and with the binary tensor data extension; gRPC with
 * grpc-java's own client), each over a real loopback port:
 * health (live ignores models, ready waits for the models loaded at start, per-model ready), server and model
 * metadata (real names, datatypes and shapes from the ONNX file), inference on the 4 -> 8 -> 3 MLP on ONNX Runtime
 * (binary mode) against torch's numbers, every datatype round-tripped through an echo model of a real mode, INT64
 * and UINT64 at full precision, output selection, the id echoed, batching (four requests that complete only as one
 * batch), and malformed requests answered 400 (404 for unknown models) with a message, never 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class OipConformanceSuite {

  /** The transport under test. */
  protected abstract OipTransport newTransport();

  private final ConformanceModeProvider modes = new ConformanceModeProvider();
  private final MlpWeights mlp = MlpWeights.load();
  private Path temp;
  private ModelServer server;
  private ModelServer broken;
  private OipTransport transport;
  private List<OipClient> clients;
  private List<OipClient> brokenClients;

  @BeforeAll
  void start() throws Exception {
    temp = Files.createTempDirectory("servingkit-oip-");
    Path stacked = TestModels.copy("mlp-onnx", temp, "mlp-stacked");
    TestModels.writeProperties(
        stacked, "option.modelName=mlp", "batch_size=4", "max_batch_delay=120000", "minWorkers=1", "maxWorkers=1");
    server =
        ModelServer.builder()
            .addModeProvider(modes)
            .model("mlp=" + TestModels.dir("mlp-onnx").toUri())
            .model("mlpv:7=" + TestModels.dir("mlp-onnx").toUri())
            .model("mlp-stacked=" + stacked.toUri())
            .model("echo=" + conformanceModel("echo", "echo"))
            .model("inspect=" + conformanceModel("inspect", "inspect"))
            .build();
    broken =
        ModelServer.builder()
            .addModeProvider(modes)
            .model("good=" + conformanceModel("good", "echo"))
            .build();
    // a model that fails while the server starts: registered asynchronously, it stays listed as FAILED
    CompletableFuture<?> bad = broken.registerAsync(ModelSpec.parse("bad=" + conformanceModel("bad", "failload")));
    assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).hasMessageContaining("refuses to load");
    transport = newTransport();
    clients = transport.serve(server);
    brokenClients = transport.serve(broken);
  }

  @AfterAll
  void stop() throws Exception {
    try {
      for (OipClient c : clients) {
        c.shutdown();
      }
      for (OipClient c : brokenClients) {
        c.shutdown();
      }
      transport.close();
    } finally {
      if (server != null) {
        server.close();
      }
      if (broken != null) {
        broken.close();
      }
      try (Stream<Path> walk = Files.walk(temp)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    ThreadLeaks.assertNoneLeft();
  }

  private String conformanceModel(String folder, String behaviour) throws Exception {
    Path dir = Files.createDirectories(temp.resolve(folder));
    Files.writeString(
        dir.resolve("serving.properties"), "engine=Python\n" + ConformanceModeProvider.BEHAVIOUR + "=" + behaviour + "\n");
    return dir.toUri().toString();
  }

  private static final List<String> DATATYPES = List.of(
      "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32", "FP64",
      "BYTES");

  Stream<Arguments> clients() {
    return clients.stream().map(c -> Arguments.of(c.describe(), c));
  }

  /** The REST clients only: these tests send raw HTTP bodies, which gRPC has no form of (not run, not skipped). */
  Stream<Arguments> restClients() {
    return clients.stream().filter(c -> c instanceof RestOipClient).map(c -> Arguments.of(c.describe(), c));
  }

  Stream<Arguments> clientsAndDatatypes() {
    List<Arguments> all = new ArrayList<>();
    for (OipClient c : clients) {
      for (String t : DATATYPES) {
        all.add(Arguments.of(c.describe(), c, t));
      }
    }
    return all.stream();
  }

  Stream<Arguments> brokenClients() {
    return brokenClients.stream().map(c -> Arguments.of(c.describe(), c));
  }

  // ---------------------------------------------------------------- health

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void aServerWhoseModelsAreReadyIsLiveAndReady(String name, OipClient c) throws Exception {
    assertThat(c.live()).isTrue();
    assertThat(c.ready()).isTrue();
    assertThat(c.modelReady("mlp", null)).isTrue();
    assertThat(c.modelReady("mlpv", "7")).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenClients")
  void aModelThatFailedAtStartMakesTheServerUnreadyButNotDead(String name, OipClient c) throws Exception {
    assertThat(broken.describe("bad", null).get(0).status()).isEqualTo(ModelStatus.FAILED);
    assertThat(c.live()).isTrue();
    assertThat(c.ready()).isFalse();
    assertThat(c.modelReady("bad", null)).isFalse();
    assertThat(c.modelReady("good", null)).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void readyOfAnUnknownModelOrVersionIsNotFound(String name, OipClient c) {
    assertThatThrownBy(() -> c.modelReady("nosuch", null)).isInstanceOfSatisfying(OipClient.Failure.class,
        f -> assertThat(f.status()).isEqualTo(404));
    assertThatThrownBy(() -> c.modelReady("mlpv", "8")).isInstanceOfSatisfying(OipClient.Failure.class,
        f -> assertThat(f.status()).isEqualTo(404));
  }

  // ---------------------------------------------------------------- metadata

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void serverMetadataNamesTheServerAndTheBinaryExtension(String name, OipClient c) throws Exception {
    JsonObject m = c.serverMetadata();
    assertThat(m.get("name").getAsString()).isEqualTo("servingkit");
    assertThat(m.get("version").getAsString()).isNotEmpty();
    assertThat(m.getAsJsonArray("extensions").toString()).contains("\"binary_tensor_data\"");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void modelMetadataReportsTheOnnxFilesTensors(String name, OipClient c) throws Exception {
    JsonObject m = c.modelMetadata("mlp", null);
    assertThat(m.get("name").getAsString()).isEqualTo("mlp");
    assertThat(m.get("platform").getAsString()).isEqualTo("onnx_onnxv1");
    assertThat(m.getAsJsonArray("inputs")).isEqualTo(JsonParser.parseString(
        "[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]"));
    assertThat(m.getAsJsonArray("outputs")).isEqualTo(JsonParser.parseString(
        "[{\"name\":\"output\",\"datatype\":\"FP32\",\"shape\":[-1,3]}]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void versionedMetadataListsVersionsAndUnknownOnesAreNotFound(String name, OipClient c) throws Exception {
    JsonObject m = c.modelMetadata("mlpv", "7");
    assertThat(m.get("versions").toString()).isEqualTo("[\"7\"]");
    assertThatThrownBy(() -> c.modelMetadata("mlpv", "8")).isInstanceOfSatisfying(OipClient.Failure.class,
        f -> assertThat(f.status()).isEqualTo(404));
    assertThatThrownBy(() -> c.modelMetadata("nosuch", null)).isInstanceOfSatisfying(OipClient.Failure.class,
        f -> assertThat(f.status()).isEqualTo(404));
  }

  // ---------------------------------------------------------------- inference

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void theMlpAnswersTorchsNumbersWithItsOutputName(String name, OipClient c) throws Exception {
    OipClient.Result r = c.infer("mlp", null, "req-1", List.of(fp32("input", mlp.inputs)), List.of());
    assertThat(r.modelName()).isEqualTo("mlp");
    assertThat(r.id()).isEqualTo("req-1");
    assertThat(r.outputs()).hasSize(1);
    InferTensor out = r.outputs().get(0);
    assertThat(out.name()).isEqualTo("output");
    assertThat(out.datatype()).isEqualTo("FP32");
    assertThat(out.shape()).containsExactly(5, 3);
    ByteBuffer d = out.data();
    for (float[] row : mlp.expected) {
      for (float v : row) {
        assertThat(d.getFloat()).isCloseTo(v, within(1e-5f));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void aVersionedPathRunsThatVersionAndAnInputNamedOtherwiseIsTakenByPosition(String name, OipClient c)
      throws Exception {
    OipClient.Result r = c.infer("mlpv", "7", null, List.of(fp32("x", mlp.inputs)), List.of("output"));
    assertThat(r.outputs()).hasSize(1);
    assertThat(r.outputs().get(0).data().getFloat()).isCloseTo(mlp.expected[0][0], within(1e-5f));
  }

  @ParameterizedTest(name = "{0} {2}")
  @MethodSource("clientsAndDatatypes")
  void everyDatatypeRoundTripsThroughAModel(String name, OipClient c, String datatype) throws Exception {
    InferTensor sent = sample("t_" + datatype.toLowerCase(), datatype, new long[] {2, 3}, 42);
    OipClient.Result r = c.infer("echo", null, null, List.of(sent), List.of());
    assertThat(r.outputs()).hasSize(1);
    InferTensor got = r.outputs().get(0);
    assertThat(got.name()).isEqualTo(sent.name());
    assertThat(got.datatype()).isEqualTo(datatype);
    assertThat(got.shape()).containsExactly(2, 3);
    assertThat(got.data()).isEqualTo(sent.data());
  }

  /** Every datatype in one request: the binary tail (REST) or raw entries (gRPC) hold them back to back. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void everyDatatypeAtOnceRoundTripsInOneRequest(String name, OipClient c) throws Exception {
    List<InferTensor> sent = new ArrayList<>();
    for (String t : DATATYPES) {
      sent.add(sample("all_" + t.toLowerCase(), t, new long[] {3, 1}, 7 + sent.size()));
    }
    OipClient.Result r = c.infer("echo", null, "all", sent, List.of());
    assertThat(r.id()).isEqualTo("all");
    assertThat(r.outputs()).hasSize(sent.size());
    for (int i = 0; i < sent.size(); i++) {
      InferTensor got = r.outputs().get(i);
      assertThat(got.name()).isEqualTo(sent.get(i).name());
      assertThat(got.datatype()).isEqualTo(sent.get(i).datatype());
      assertThat(got.shape()).containsExactly(3, 1);
      assertThat(got.data()).as(got.name()).isEqualTo(sent.get(i).data());
    }
  }

  /**
   * The request's {@code parameters} reach the model as input properties of the same names, an input's as
   * {@code <input>.<name>}; the binary extension's own do not; the model (a Java-side mode that answers a JSON
   * picture of the input it got, which comes back as one BYTES output) sees them.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void requestAndInputParametersReachTheModelAsInputProperties(String name, OipClient c) throws Exception {
    OipClient.Result r = c.infer("inspect", null, null, List.of(sample("x", "FP32", new long[] {2}, 1)), List.of(),
        Map.of("temperature", "0.5", "mode", "greedy"), Map.of("x", Map.of("scale", "2")));
    InferTensor out = r.outputs().get(0);
    assertThat(out.datatype()).isEqualTo("BYTES");
    ByteBuffer d = out.data();
    byte[] body = new byte[d.getInt()];
    d.get(body);
    JsonObject properties =
        JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject().getAsJsonObject("properties");
    assertThat(properties.get("temperature").getAsString()).isEqualTo("0.5");
    assertThat(properties.get("mode").getAsString()).isEqualTo("greedy");
    assertThat(properties.get("x.scale").getAsString()).isEqualTo("2");
    assertThat(properties.get("content-type").getAsString()).isEqualTo("tensor/ndlist");
    assertThat(properties.keySet()).noneMatch(k -> k.contains("binary_data"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void int64AndUint64KeepEveryDigit(String name, OipClient c) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(9007199254740993L).putLong(Long.MAX_VALUE).putLong(Long.MIN_VALUE).flip();
    ByteBuffer u = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).flip();
    OipClient.Result r = c.infer("echo", null, null,
        List.of(InferTensor.of("big", "INT64", new long[] {3}, b), InferTensor.of("u", "UINT64", new long[] {1}, u)),
        List.of());
    assertThat(r.outputs().get(0).data().getLong(0)).isEqualTo(9007199254740993L);
    assertThat(r.outputs().get(0).data().getLong(8)).isEqualTo(Long.MAX_VALUE);
    assertThat(r.outputs().get(0).data().getLong(16)).isEqualTo(Long.MIN_VALUE);
    assertThat(r.outputs().get(1).data().getLong(0)).isEqualTo(-1L);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void requestedOutputsAreAnsweredInTheOrderAsked(String name, OipClient c) throws Exception {
    List<InferTensor> in =
        List.of(sample("a", "INT32", new long[] {2}, 1), sample("b", "FP32", new long[] {1}, 2),
            sample("c", "BYTES", new long[] {1}, 3));
    OipClient.Result r = c.infer("echo", null, null, in, List.of("c", "a"));
    assertThat(r.outputs()).extracting(InferTensor::name).containsExactly("c", "a");
    assertThatThrownBy(() -> c.infer("echo", null, null, in, List.of("zzz")))
        .isInstanceOfSatisfying(OipClient.Failure.class, f -> {
          assertThat(f.status()).isEqualTo(400);
          assertThat(f.getMessage()).contains("zzz");
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void v2RequestsAreBatchedLikeAnyOther(String name, OipClient c) throws Exception {
    // one worker waits up to two minutes to fill a batch of 4: the four answers come back only as one batch
    List<CompletableFuture<OipClient.Result>> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      float[][] row = {mlp.inputs[i]};
      answers.add(CompletableFuture.supplyAsync(() -> {
        try {
          return c.infer("mlp-stacked", null, "r" + row[0][0], List.of(fp32("input", row[0])), List.of());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (int i = 0; i < 4; i++) {
      OipClient.Result r = answers.get(i).get(60, TimeUnit.SECONDS);
      assertThat(r.outputs().get(0).shape()).containsExactly(3);
      assertThat(r.outputs().get(0).data().getFloat()).isCloseTo(mlp.expected[i][0], within(1e-5f));
    }
  }

  // ---------------------------------------------------------------- malformed requests: 400 with a message

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void requestsThatDoNotFitTheModelAre400WithAMessage(String name, OipClient c) {
    assertFailure(() -> c.infer("mlp", null, null, List.of(fp64("input", 4)), List.of()), 400, "FP64");
    assertFailure(() -> c.infer("mlp", null, null,
        List.of(fp32("input", mlp.inputs), fp32("input2", mlp.inputs)), List.of()), 400, "input2");
    assertFailure(() -> c.infer("mlp", null, null, List.of(fp32("input", new float[] {1, 2, 3})), List.of()), 400, "");
    assertFailure(() -> c.infer("nosuch", null, null, List.of(fp32("input", mlp.inputs)), List.of()), 404, "nosuch");
  }

  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("restClients")
  void malformedRestBodiesAre400WithAnErrorMessage(String name, RestOipClient rest) throws Exception {
    String path = "/v2/models/echo/infer";
    // shape/data mismatch, flat and nested
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[2,2],\"datatype\":\"INT32\",\"data\":[1,2,3]}]}")), "4 elements");
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[2,2],\"datatype\":\"INT32\",\"data\":[[1,2],[3]]}]}")), "shape");
    // unknown datatype
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"FP8\",\"data\":[1]}]}")), "FP8");
    // out of range and fractional integers
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"UINT8\",\"data\":[256]}]}")), "out of range");
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[1.5]}]}")), "not an integer");
    // deep nesting
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":" + deep + "}]}")), "");
    String nested = "[".repeat(40) + "1" + "]".repeat(40);
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":" + nested + "}]}")), "deeper");
    // huge declared shapes
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[100000,100000,100000],\"datatype\":\"FP32\",\"data\":[1]}]}")), "2^31");
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[100000000],\"datatype\":\"FP32\",\"data\":[1]}]}")), "elements");
    assertError(rest.send("POST", path, json("{\"inputs\":[{\"name\":\"a\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[1]}]}")), "negative");
    // not JSON, no inputs
    assertError(rest.send("POST", path, json("{\"inputs\":[")), "");
    assertError(rest.send("POST", path, json("{}")), "inputs");
    // binary extension: byte counts that do not add up
    byte[] header = "{\"inputs\":[{\"name\":\"a\",\"shape\":[2],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}".getBytes(StandardCharsets.UTF_8);
    assertError(binary(rest, path, header, new byte[4]), "binary_data_size");
    assertError(binary(rest, path, header, new byte[12]), "bytes");
    byte[] wrongSize = "{\"inputs\":[{\"name\":\"a\",\"shape\":[3],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":8}}]}".getBytes(StandardCharsets.UTF_8);
    assertError(binary(rest, path, wrongSize, new byte[8]), "12 bytes");
    byte[] bytesHeader = "{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":6}}]}".getBytes(StandardCharsets.UTF_8);
    assertError(binary(rest, path, bytesHeader, new byte[] {9, 0, 0, 0, 'a', 'b'}), "BYTES");
    assertError(rest.send("POST", path, header, "Inference-Header-Content-Length", "999999"), "Inference-Header-Content-Length");
    // wrong method, unknown path
    assertThat(rest.send("GET", path, null).statusCode()).isEqualTo(405);
    assertThat(rest.send("GET", "/v2/nosuch", null).statusCode()).isEqualTo(404);
  }

  @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
  @MethodSource("restClients")
  void restAnswersTheSpecificationsJsonShapes(String name, RestOipClient rest) throws Exception {
    HttpResponse<byte[]> r = rest.send("POST", "/v2/models/echo/infer", json(
        "{\"id\":\"x-1\",\"parameters\":{\"custom\":\"kept\"},\"inputs\":[{\"name\":\"a\",\"shape\":[2,2],"
            + "\"datatype\":\"INT64\",\"data\":[[1,2],[3,9223372036854775807]]}]}"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(JsonParser.parseString(new String(r.body(), StandardCharsets.UTF_8))).isEqualTo(JsonParser.parseString(
        "{\"model_name\":\"echo\",\"id\":\"x-1\",\"parameters\":{\"custom\":\"kept\"},\"outputs\":[{\"name\":\"a\","
            + "\"datatype\":\"INT64\",\"shape\":[2,2],\"data\":[1,2,3,9223372036854775807]}]}"));
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("9223372036854775807");
    // one output in binary, asked per output
    HttpResponse<byte[]> b = rest.send("POST", "/v2/models/echo/infer", json(
        "{\"inputs\":[{\"name\":\"a\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.5]},"
            + "{\"name\":\"b\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2.5]}],"
            + "\"outputs\":[{\"name\":\"a\",\"parameters\":{\"binary_data\":true}},{\"name\":\"b\"}]}"));
    int jsonLength = Integer.parseInt(b.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    assertThat(b.body().length).isEqualTo(jsonLength + 4);
    assertThat(ByteBuffer.wrap(b.body(), jsonLength, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat()).isEqualTo(1.5f);
    assertThat(new String(b.body(), 0, jsonLength, StandardCharsets.UTF_8))
        .contains("\"binary_data_size\":4").contains("\"data\":[2.5]");
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static HttpResponse<byte[]> binary(RestOipClient rest, String path, byte[] header, byte[] tail)
      throws Exception {
    byte[] body = new byte[header.length + tail.length];
    System.arraycopy(header, 0, body, 0, header.length);
    System.arraycopy(tail, 0, body, header.length, tail.length);
    return rest.send("POST", path, body, "Inference-Header-Content-Length", Integer.toString(header.length));
  }

  private static void assertError(HttpResponse<byte[]> r, String fragment) {
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertThat(r.statusCode()).as(text).isEqualTo(400);
    JsonObject o = JsonParser.parseString(text).getAsJsonObject();
    assertThat(o.keySet()).containsExactly("error");
    assertThat(o.get("error").getAsString()).isNotBlank().contains(fragment);
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void assertFailure(Call call, int status, String fragment) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(OipClient.Failure.class, f -> {
      assertThat(f.status()).as(f.getMessage()).isEqualTo(status);
      assertThat(f.getMessage()).contains(fragment);
    });
  }

  static InferTensor fp32(String name, float[][] rows) {
    ByteBuffer b = ByteBuffer.allocate(rows.length * rows[0].length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : rows) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    return InferTensor.of(name, "FP32", new long[] {rows.length, rows[0].length}, b.flip());
  }

  static InferTensor fp32(String name, float[] row) {
    ByteBuffer b = ByteBuffer.allocate(row.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : row) {
      b.putFloat(v);
    }
    return InferTensor.of(name, "FP32", new long[] {row.length}, b.flip());
  }

  private static InferTensor fp64(String name, int n) {
    return InferTensor.of(name, "FP64", new long[] {1, n}, ByteBuffer.allocate(8 * n));
  }

  /** A tensor of random but valid values of {@code datatype} (FP16/BF16: finite values only). */
  static InferTensor sample(String name, String datatype, long[] shape, long seed) {
    Random random = new Random(seed);
    int n = 1;
    for (long d : shape) {
      n *= (int) d;
    }
    ByteBuffer b;
    if (datatype.equals("BYTES")) {
      List<byte[]> elements = new ArrayList<>();
      int total = 0;
      for (int i = 0; i < n; i++) {
        byte[] e = ("élément-" + random.nextInt(1000) + "-\"q\"").getBytes(StandardCharsets.UTF_8);
        elements.add(e);
        total += 4 + e.length;
      }
      b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
      for (byte[] e : elements) {
        b.putInt(e.length).put(e);
      }
    } else {
      int width = switch (datatype) {
        case "BOOL", "UINT8", "INT8" -> 1;
        case "UINT16", "INT16", "FP16", "BF16" -> 2;
        case "UINT32", "INT32", "FP32" -> 4;
        default -> 8;
      };
      b = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        switch (datatype) {
          case "BOOL" -> b.put((byte) random.nextInt(2));
          case "FP16" -> b.putShort((short) (random.nextInt(0x7800) | (random.nextBoolean() ? 0x8000 : 0)));
          case "BF16" -> b.putShort((short) (random.nextInt(0x7f00) | (random.nextBoolean() ? 0x8000 : 0)));
          case "FP32" -> b.putFloat((float) random.nextGaussian());
          case "FP64" -> b.putDouble(random.nextGaussian());
          default -> {
            byte[] raw = new byte[width];
            random.nextBytes(raw);
            b.put(raw);
          }
        }
      }
    }
    return InferTensor.of(name, datatype, shape, b.flip());
  }
}
