package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.ModelStatus;
import io.servingkit.api.ServingApi;
import io.servingkit.undertow.ServingHandler;
import io.undertow.Undertow;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PaddlePaddle models served over real HTTP (Undertow on loopback) by a {@link ModelServer}. */
class PaddleHttpTest {

  @TempDir static Path temp;
  private static ModelServer server;
  private static ServingApi api;
  private static Undertow undertow;
  private static URI base;
  private static HttpClient http;
  private static NDManager manager;

  @BeforeAll
  static void start() {
    server = ModelServer.builder().workDir(temp.resolve("work")).build();
    api = new ServingApi(server);
    undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(new ServingHandler(api)).build();
    undertow.start();
    int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    base = URI.create("http://127.0.0.1:" + port);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    manager = Engine.getEngine("PaddlePaddle").newBaseManager();
  }

  @AfterAll
  static void stop() {
    if (undertow != null) {
      undertow.stop();
    }
    if (api != null) {
      api.close();
    }
    if (server != null) {
      server.close();
    }
    if (manager != null) {
      manager.close();
    }
  }

  @Test
  void tensorsInTensorsOut() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("fc"), "inference", PaddleModels.SMALL);
    HttpResponse<String> registered =
        post("/models?url=" + URLEncoder.encode(dir.toUri().toString(), StandardCharsets.UTF_8) + "&model_name=fc", new byte[0], null);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
    assertThat(registered.body()).contains("Model \\\"fc\\\" registered.");
    assertThat(server.describe("fc", null).get(0).engine()).isEqualTo("PaddlePaddle");

    float[][] x = {{0, 1, 2, 3}, {-1, 0.5f, 2, 8}};
    byte[] ndlist = new NDList(manager.create(PaddleEngineTest.flatten(x), new Shape(2, 4))).encode();
    HttpResponse<byte[]> answer = postBytes("/predictions/fc", ndlist, "tensor/ndlist");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).hasValue("tensor/ndlist");
    try (NDList out = NDList.decode(manager, answer.body())) {
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 3));
      assertThat(out.get(0).toFloatArray()).containsExactly(PaddleEngineTest.flatten(PaddleModels.SMALL.apply(x)), within(1e-4f));
    }

    float[][] one = {{1, 1, 1, 1}};
    HttpResponse<byte[]> fromNpy = postBytes("/predictions/fc", npy(PaddleEngineTest.flatten(one), 1, 4), "application/octet-stream");
    assertThat(fromNpy.statusCode()).isEqualTo(200);
    try (NDList out = NDList.decode(manager, fromNpy.body())) {
      assertThat(out.get(0).toFloatArray()).containsExactly(PaddleEngineTest.flatten(PaddleModels.SMALL.apply(one)), within(1e-4f));
    }

    HttpResponse<String> wrong = post("/predictions/fc", npy(new float[10], 2, 5), "application/octet-stream");
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(JsonParser.parseString(wrong.body()).getAsJsonObject().get("message").getAsString())
        .isEqualTo("input x must be float32 [-1, 4] (-1: any size), the request has float32 [2, 5]");
  }

  @Test
  void aJavaTranslatorRunsInTheServingJvmAndOnlyTensorsCross() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("rows"), "inference", PaddleModels.SMALL);
    Files.writeString(dir.resolve("serving.properties"), "translator=" + RowsTranslator.class.getName() + "\n");
    server.register(ModelSpec.of("rows", null, dir.toUri().toString(), Map.of()));

    HttpResponse<String> answer = post("/predictions/rows", "[4, 3, 2, 1]".getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonObject body = JsonParser.parseString(answer.body()).getAsJsonObject();
    float[] expected = PaddleModels.SMALL.apply(new float[][] {{4, 3, 2, 1}})[0];
    for (int j = 0; j < expected.length; j++) {
      assertThat(body.getAsJsonArray("scores").get(j).getAsFloat()).isCloseTo(expected[j], within(1e-4f));
    }
    assertThat(body.get("best").getAsInt()).isEqualTo(2);
    assertThat(body.get("pid").getAsLong()).isEqualTo(ProcessHandle.current().pid());
  }

  @Test
  void aNativeCrashCostsItsRequestNotTheServer() throws Exception {
    // a worker that aborted is not asked to run the same request again (option.retry_on_crash is on by default)
    // x declared [-1, -1]: the serving side lets a [2, 5] input through and Paddle's fc kernel aborts the worker
    Path dir = PaddleModels.write(temp.resolve("loose"), "inference", PaddleModels.SMALL, new long[] {-1, -1});
    server.register(ModelSpec.of("loose", null, dir.toUri().toString(), Map.of()));
    long worker = ProcessHandle.current().children().filter(p -> commandOf(p).contains("loose")).findFirst().orElseThrow().pid();

    HttpResponse<String> crash = post("/predictions/loose", npy(new float[10], 2, 5), "application/octet-stream");
    assertThat(crash.statusCode()).as(crash.body()).isEqualTo(503);
    assertThat(JsonParser.parseString(crash.body()).getAsJsonObject().get("message").getAsString())
        .startsWith("the PaddlePaddle worker of model loose stopped answering: it ended (killed by signal 6)")
        .contains("terminate called after throwing an instance of")
        .contains("InvalidArgumentError");
    assertThat(ProcessHandle.of(worker)).isEmpty();
    assertThat(server.describe("loose", null).get(0).status()).isEqualTo(ModelStatus.READY);

    float[][] x = {{1, 2, 3, 4}};
    HttpResponse<byte[]> after = postBytes("/predictions/loose", npy(PaddleEngineTest.flatten(x), 1, 4), "application/octet-stream");
    assertThat(after.statusCode()).isEqualTo(200);
    try (NDList out = NDList.decode(manager, after.body())) {
      assertThat(out.get(0).toFloatArray()).containsExactly(PaddleEngineTest.flatten(PaddleModels.SMALL.apply(x)), within(1e-4f));
    }
    assertThat(get("/ping").statusCode()).isEqualTo(200);
  }

  private static String commandOf(ProcessHandle process) {
    return process.info().arguments().map(a -> String.join(" ", a)).orElse("");
  }

  /** A {@code .npy} (version 1.0) holding little-endian float32 values. */
  static byte[] npy(float[] values, long... shape) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int unpadded = 10 + header.length() + 1;
    header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    buffer.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
    for (float v : values) {
      buffer.putFloat(v);
    }
    return buffer.array();
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, byte[] body, String contentType) throws IOException, InterruptedException {
    return http.send(request(path, body, contentType), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<byte[]> postBytes(String path, byte[] body, String contentType) throws IOException, InterruptedException {
    return http.send(request(path, body, contentType), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest request(String path, byte[] body, String contentType) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return builder.build();
  }
}
