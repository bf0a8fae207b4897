package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.MlpWeights;
import io.servingkit.testing.TestModels;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Binary mode (models without a translator: tensors in, tensors out) as DJL Serving clients see it, over real
 * HTTP on the loopback interface, with the 4 -> 8 -> 3 MLP of {@code examples/models} on ONNX Runtime and
 * PyTorch: {@code mlp-data/inputs.npz} posted as {@code tensor/npz} gives {@code expected.npz}, in every output
 * encoding (NDList, npz, safetensors, JSON, CSV) with the matching {@code Content-Type}, negotiated as in the
 * DJL's rule (compat.md §7: npz when {@code Accept} or {@code Content-Type} says npz, then safetensors, then JSON,
 * else NDList); malformed bodies are 400 with DJL's {@code {"code","type","message"}} body, never a
 * 500; concurrent requests to a model with {@code batch_size=4} run as one batch and each gets its own rows; and
 * the Python client example ({@code examples/binary-client/client.py}) prints the expected answer.
 *
 * <p>Written once; an adapter whose class path has serving-binary, ONNX Runtime and PyTorch runs it by
 * implementing {@link #newServerUnderTest()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class BinaryConformanceSuite {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final float TOLERANCE = 1e-5f;

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  private final MlpWeights mlp = MlpWeights.load();
  private final byte[] inputsNpz = TestModels.bytes("mlp-data/inputs.npz");
  private Path temp;
  private ModelServer server;
  private ServingApi api;
  private ServerUnderTest sut;
  private URI base;
  private HttpClient http;

  @BeforeAll
  void startServer() throws Exception {
    temp = Files.createTempDirectory("servingkit-binary-");
    // one worker that waits up to 2 minutes to fill a batch of 4: four concurrent requests are answered within the
    // client's 30 s only when the server runs them as one batch
    Path stacked = TestModels.copy("mlp-onnx", temp, "mlp-stacked");
    TestModels.writeProperties(
        stacked, "option.modelName=mlp", "batch_size=4", "max_batch_delay=120000", "minWorkers=1", "maxWorkers=1");
    Path concat = TestModels.copy("mlp-pt", temp, "mlp-concat");
    TestModels.writeProperties(
        concat, "option.modelName=mlp", "batch_size=4", "batchifier=concat", "max_batch_delay=120000",
        "minWorkers=1", "maxWorkers=1");
    server =
        ModelServer.builder()
            .model("mlp=" + TestModels.dir("mlp-onnx").toUri())
            .model("mlp-pt=" + TestModels.dir("mlp-pt").toUri())
            .model("mlp-stacked=" + stacked.toUri())
            .model("mlp-concat=" + concat.toUri())
            .build();
    api = new ServingApi(server);
    sut = newServerUnderTest();
    base = sut.start(api);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  }

  @AfterAll
  void stopServer() throws Exception {
    SuiteResources.close(sut, api, server, temp);
  }

  // ---------------------------------------------------------------- answers and encodings

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "mlp-pt"})
  void theSampleNpzGivesTheSavedExpectedOutput(String model) throws Exception {
    // curl -X POST .../predictions/mlp -T inputs.npz -H "Content-Type: tensor/npz"
    HttpResponse<byte[]> r = post("/predictions/" + model, headers("Content-Type", "tensor/npz"), inputsNpz);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("tensor/npz");
    assertThat(TensorBodies.npzNames(r.body())).hasSize(1);
    assertSameRows(TensorBodies.fromNpz(r.body()), expectedNpz());
  }

  @ParameterizedTest(name = "Content-Type {0}, Accept {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // DJL's rule: npz when Accept or Content-Type says npz, then safetensors, then JSON, else NDList
        // (NoopServingTranslatorFactory.processOutput; transcripts §1–2)
        "tensor/npz                 | -                           | tensor/npz",
        "tensor/npz                 | application/json            | tensor/npz",
        "tensor/npz                 | tensor/ndlist               | tensor/npz",
        "tensor/npz; charset=utf-8  | -                           | tensor/npz",
        "tensor/ndlist              | -                           | tensor/ndlist",
        "tensor/ndlist              | tensor/npz                  | tensor/npz",
        "tensor/ndlist              | application/json            | application/json",
        "tensor/ndlist              | tensor/safetensors          | tensor/safetensors",
        "tensor/safetensors         | application/json            | tensor/safetensors",
        "tensor/safetensors         | tensor/npz                  | tensor/npz",
        "application/octet-stream   | -                           | tensor/ndlist",
        "-                          | -                           | tensor/ndlist",
        "-                          | */*                         | tensor/ndlist",
        "application/octet-stream   | tensor/npz                  | tensor/npz",
        "application/octet-stream   | tensor/safetensors          | tensor/safetensors",
        "application/octet-stream   | application/json            | application/json",
        "-                          | tensor/ndlist               | tensor/ndlist",
        // Accept is compared as a whole string, as DJL does: a list names no format
        "-                          | text/html, tensor/npz       | tensor/ndlist",
        // text/csv output is ours (DJL has none)
        "application/octet-stream   | text/csv                    | text/csv",
      })
  void everyEncodingCarriesTheExpectedOutput(String contentType, String accept, String expectedType) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    if (accept != null) {
      headers.put("Accept", accept);
    }
    HttpResponse<byte[]> r = post("/predictions/mlp", headers, inputsNpz);

    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue(expectedType);
    assertSameRows(decode(r.body(), expectedType), expectedNpz());
  }

  @Test
  void aJsonRequestIsAnsweredInJson() throws Exception {
    StringBuilder rows = new StringBuilder();
    for (float[] row : mlp.inputs) {
      rows.append(rows.length() == 0 ? "" : ",").append(Arrays.toString(row));
    }
    HttpResponse<byte[]> r =
        post("/predictions/mlp", headers("Content-Type", "application/json"),
            ("{\"inputs\": [" + rows + "]}").getBytes(StandardCharsets.UTF_8));

    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertSameRows(TensorBodies.fromJson(text(r)), mlp.expected);
  }

  // ---------------------------------------------------------------- malformed bodies

  @Test
  void malformedBodiesAre400WithDjlsErrorShapeNeverA500() throws Exception {
    byte[] random = new byte[1000];
    new Random(42).nextBytes(random);
    random[0] = 0; // not "PK", not "\x93NUMPY": read as an NDList, as DJL does
    // DJL says "malformed input around byte 2" and "unexpected EOF"; ours name the format and the problem
    Map<String, byte[]> bodies = new LinkedHashMap<>();
    Map<String, String> prefixes = new LinkedHashMap<>();
    bodies.put("1000 random bytes", random);
    prefixes.put("1000 random bytes", "NDList: ");
    bodies.put("truncated npz", Arrays.copyOf(inputsNpz, inputsNpz.length / 2));
    prefixes.put("truncated npz", "npz: ");
    bodies.put("npz cut inside its first entry", Arrays.copyOf(inputsNpz, 60));
    prefixes.put("npz cut inside its first entry", "npz: ");
    bodies.put("npz of the wrong width", TensorBodies.npz("input", new float[][] {{1, 2, 3, 4, 5}}, true));
    prefixes.put("npz of the wrong width", "");
    for (Map.Entry<String, byte[]> e : bodies.entrySet()) {
      for (String type : new String[] {"tensor/npz", "application/octet-stream"}) {
        HttpResponse<byte[]> r = post("/predictions/mlp", headers("Content-Type", type), e.getValue());
        JsonObject error = assertDjlError(e.getKey() + " as " + type, r);
        assertThat(error.get("message").getAsString()).as(e.getKey()).isNotBlank().startsWith(prefixes.get(e.getKey()));
      }
    }
    // the model still answers afterwards
    HttpResponse<byte[]> ok = post("/predictions/mlp", headers("Content-Type", "tensor/npz"), inputsNpz);
    assertSameRows(TensorBodies.fromNpz(ok.body()), expectedNpz());
  }

  @Test
  void anEmptyBodyIsInvalidInputLengthZeroAsInTheTranscript() throws Exception {
    HttpResponse<byte[]> r = post("/predictions/mlp", headers("Content-Type", "tensor/npz"), new byte[0]);

    JsonObject error = assertDjlError("empty body", r);
    assertThat(error.get("message").getAsString()).startsWith("Invalid input length: 0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"inputs\": [[1, 2", "{\"foo\": 1}", "[[1, 2, 3, 4], [5, 6]]", "not json at all"})
  void brokenJsonIs400(String body) throws Exception {
    HttpResponse<byte[]> r =
        post("/predictions/mlp", headers("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));

    JsonObject error = assertDjlError(body, r);
    assertThat(error.get("message").getAsString()).isNotBlank();
  }

  // ---------------------------------------------------------------- batching

  @Test
  void concurrentSamplesRunAsOneStackedBatchAndEachGetsItsOwnRow() throws Exception {
    // batch_size=4 with DJL's default batchifier (stack): each request sends one sample, without the batch axis
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] body = TensorBodies.npz("input", new float[][] {mlp.inputs[i]}, false);
      answers.add(postAsync("/predictions/mlp-stacked", headers("Content-Type", "tensor/npz"), body));
    }
    for (int i = 0; i < 4; i++) {
      HttpResponse<byte[]> r = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
      assertSameRows(TensorBodies.fromNpz(r.body()), new float[][] {mlp.expected[i]});
    }
  }

  @Test
  void concurrentRequestsRunAsOneConcatenatedBatchAndEachGetsItsOwnRows() throws Exception {
    // batchifier=concat: each request keeps its batch axis; 1 + 2 + 1 + 1 rows run as one call of 5
    int[][] slices = {{0, 1}, {1, 3}, {3, 4}, {4, 5}};
    List<CompletableFuture<HttpResponse<byte[]>>> answers = new ArrayList<>();
    for (int[] s : slices) {
      byte[] body = TensorBodies.npz("input", Arrays.copyOfRange(mlp.inputs, s[0], s[1]), true);
      answers.add(postAsync("/predictions/mlp-concat", headers("Content-Type", "tensor/npz"), body));
    }
    for (int i = 0; i < slices.length; i++) {
      HttpResponse<byte[]> r = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
      assertSameRows(TensorBodies.fromNpz(r.body()), Arrays.copyOfRange(mlp.expected, slices[i][0], slices[i][1]));
    }
  }

  // ---------------------------------------------------------------- the Python client example

  @Test
  void thePythonClientExamplePrintsTheExpectedOutput() throws Exception {
    Path client = TestModels.root().getParent().resolve("binary-client").resolve("client.py");
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3", client.toString(), base.resolve("/predictions/mlp").toString(),
                TestModels.dir("mlp-data").resolve("inputs.npy").toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("client finished").isTrue();
      String out = output.get(10, TimeUnit.SECONDS);
      assertThat(p.exitValue()).as(out).isZero();
      String[] lines = out.split("\n", 2);
      assertThat(lines[0]).isEqualTo("output: shape=(5, 3) dtype=float32");
      Matcher m = Pattern.compile("-?\\d+\\.\\d*(?:e[-+]\\d+)?").matcher(lines[1]);
      List<Float> numbers = new ArrayList<>();
      while (m.find()) {
        numbers.add(Float.parseFloat(m.group()));
      }
      assertThat(numbers).hasSize(15);
      for (int i = 0; i < 15; i++) {
        assertThat(numbers.get(i)).as(out).isCloseTo(mlp.expected[i / 3][i % 3], within(TOLERANCE));
      }
    } finally {
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- helpers

  private float[][] expectedNpz() throws IOException {
    float[][] expected = TensorBodies.fromNpz(TestModels.bytes("mlp-data/expected.npz"));
    assertSameRows(expected, mlp.expected); // the .npz and weights.json agree
    return expected;
  }

  private static float[][] decode(byte[] body, String type) throws IOException {
    switch (type) {
      case "tensor/npz":
        return TensorBodies.fromNpz(body);
      case "tensor/safetensors":
        return TensorBodies.fromSafetensors(body);
      case "application/json":
        return TensorBodies.fromJson(new String(body, StandardCharsets.UTF_8));
      case "text/csv":
        return TensorBodies.fromCsv(new String(body, StandardCharsets.UTF_8));
      default:
        return TensorBodies.fromNdList(body);
    }
  }

  private static void assertSameRows(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int r = 0; r < expected.length; r++) {
      assertThat(actual[r]).as("row " + r).containsExactly(expected[r], within(TOLERANCE));
    }
  }

  private static JsonObject assertDjlError(String what, HttpResponse<byte[]> r) {
    String body = text(r);
    assertThat(r.statusCode()).as(what + ": " + body).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).as(what).hasValue("application/json");
    JsonObject error = JsonParser.parseString(body).getAsJsonObject();
    assertThat(error.keySet()).as(what).containsExactly("code", "type", "message");
    assertThat(error.get("code").getAsInt()).isEqualTo(400);
    assertThat(error.get("type").getAsString()).as(what).isEqualTo("TranslateException");
    return error;
  }

  private static Map<String, String> headers(String name, String value) {
    return Map.of(name, value);
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private HttpRequest request(String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return b.build();
  }

  private HttpResponse<byte[]> post(String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    return http.send(request(path, headers, body), HttpResponse.BodyHandlers.ofByteArray());
  }

  private CompletableFuture<HttpResponse<byte[]>> postAsync(String path, Map<String, String> headers, byte[] body) {
    return http.sendAsync(request(path, headers, body), HttpResponse.BodyHandlers.ofByteArray());
  }
}
