package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.servingkit.grpc.proto.GRPCInferenceServiceGrpc;
import io.servingkit.grpc.proto.InferParameter;
import io.servingkit.grpc.proto.ModelInferRequest;
import io.servingkit.grpc.proto.ModelInferResponse;
import io.servingkit.grpc.proto.ModelMetadataRequest;
import io.servingkit.grpc.proto.ServerLiveRequest;
import io.servingkit.grpc.proto.ServerReadyRequest;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server, run as a real process ({@code java ServingKitCli}), opens the Open Inference Protocol's
 * gRPC service on {@code grpc_address} next to its HTTP listener, says unready over gRPC as over REST while it
 * drains, and closes it on SIGTERM: grpc-java's client reads
 * liveness, readiness and metadata and runs the MLP (ONNX Runtime); a Python handler in a real worker process sees
 * the request's and each input's {@code parameters} among its input properties, sent over REST and over gRPC; and
 * {@code examples/oip-client/client.py} (Debian's python3-requests and python3-grpcio) gets the same answer over
 * REST JSON, the REST binary extension and gRPC.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GrpcAddressTest {

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void grpcAddressServesTheProtocolBesideHttpAndClosesOnShutdown() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Path config = dir.resolve("config.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\ngrpc_address=127.0.0.1:" + port
        + "\noption.pythonExecutable=/usr/bin/python3\ndrain_delay=4s\n");
    Path mlp = io.servingkit.testing.TestModels.dir("mlp-onnx");
    Path params = Path.of(GrpcAddressTest.class.getResource("/python/v2params/model.py").toURI()).getParent();
    try (ServerProcess p = ServerProcess.java(
        dir, Map.of(), "-f", config.toString(), "-m", "mlp=" + mlp.toUri(), "-m", "params=" + params.toUri())) {
      URI base = p.awaitAddresses().get(0);
      assertThat(p.stdout()).contains("Open Inference Protocol gRPC on 127.0.0.1:" + port);
      assertThat(get(base.resolve("/v2/health/ready")).statusCode()).isEqualTo(200);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        assertThat(stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("mlp").build()).getInputs(0).getName())
            .isEqualTo("input");
        ByteBuffer row = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        row.putFloat(0.5f).putFloat(-1f).putFloat(2f).putFloat(0.25f).flip();
        ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
            .setModelName("mlp")
            .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                .addShape(1).addShape(4))
            .addRawInputContents(ByteString.copyFrom(row))
            .build());
        assertThat(r.getOutputs(0).getShapeList()).containsExactly(1L, 3L);
        // the binary-mode README's JSON example gives -0.29639077 for this row
        float first = r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertThat(first).isCloseTo(-0.29639077f, within(1e-5f));

        // parameters over gRPC reach the Python handler as properties
        ByteBuffer x = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).flip();
        ModelInferResponse echoed = stub.modelInfer(ModelInferRequest.newBuilder()
            .setModelName("params")
            .putParameters("temperature", InferParameter.newBuilder().setDoubleParam(0.5).build())
            .putParameters("mode", InferParameter.newBuilder().setStringParam("grpc").build())
            .putParameters("top_k", InferParameter.newBuilder().setInt64Param(3).build())
            .putParameters("greedy", InferParameter.newBuilder().setBoolParam(true).build())
            .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32").addShape(2)
                .putParameters("scale", InferParameter.newBuilder().setStringParam("per-input").build()))
            .addRawInputContents(ByteString.copyFrom(x))
            .build());
        ByteBuffer doubled = echoed.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {doubled.getFloat(), doubled.getFloat()}).containsExactly(3f, -4f);
        assertThat(strings(echoed.getRawOutputContents(1).asReadOnlyByteBuffer()))
            .contains("temperature=0.5", "mode=grpc", "top_k=3", "greedy=true", "x.scale=per-input");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      // parameters over REST (JSON) reach it the same way; the binary extension's own parameter does not
      String body = "{\"parameters\":{\"temperature\":0.5,\"mode\":\"rest\",\"binary_data_output\":false},"
          + "\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2],\"data\":[1.5,-2],"
          + "\"parameters\":{\"scale\":\"per-input\"}}]}";
      HttpResponse<String> rest = http.send(
          HttpRequest.newBuilder(base.resolve("/v2/models/params/infer")).timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
      JsonObject answer = JsonParser.parseString(rest.body()).getAsJsonObject();
      JsonArray outputs = answer.getAsJsonArray("outputs");
      assertThat(outputs.get(0).getAsJsonObject().getAsJsonArray("data").toString()).isEqualTo("[3.0,-4.0]");
      List<String> seen = new ArrayList<>();
      outputs.get(1).getAsJsonObject().getAsJsonArray("data").forEach(e -> seen.add(e.getAsString()));
      assertThat(seen).contains("temperature=0.5", "mode=rest", "x.scale=per-input")
          .noneMatch(s -> s.startsWith("binary_data_output"));

      // the Python client example gets the same numbers three ways
      Path root = io.servingkit.testing.TestModels.root().getParent().getParent();
      Path pb2 = root.resolve("adapter-grpc/target/generated-sources/protobuf/python");
      assertThat(pb2.resolve("grpc_service_pb2.py")).exists();
      Process python = new ProcessBuilder(
              "/usr/bin/python3", root.resolve("examples/oip-client/client.py").toString(),
              base.toString(), "127.0.0.1:" + port, pb2.toString(), "mlp")
          .redirectErrorStream(true)
          .start();
      String printed = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(python.exitValue()).as(printed).isZero();
      assertThat(printed)
          .contains("ready: 200")
          .contains("input: input FP32 [-1, 4]")
          .contains("rest json: py-json [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("rest binary: [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("grpc: py-grpc [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("grpc unknown model: NOT_FOUND");

      // SIGTERM: within drain_delay gRPC ServerReady is false, as REST readiness is, while calls are still served;
      // then the gRPC service stops with the listeners
      ManagedChannel draining = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(draining);
        assertThat(stub.withDeadlineAfter(30, TimeUnit.SECONDS).serverReady(ServerReadyRequest.getDefaultInstance())
            .getReady()).isTrue();
        p.terminate();
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
            .until(() -> !stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertThat(get(base.resolve("/v2/health/ready")).statusCode()).isEqualTo(400);
        assertThat(stub.withDeadlineAfter(5, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance())
            .getLive()).isTrue();
      } finally {
        draining.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(p.awaitExit()).isEqualTo(143);
      assertThat(refused(port)).as("gRPC port closed after shutdown").isTrue();
    }
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean refused(int port) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return false;
    } catch (ConnectException e) {
      return true;
    }
  }

  private static List<String> strings(ByteBuffer d) {
    d.order(ByteOrder.LITTLE_ENDIAN);
    List<String> out = new ArrayList<>();
    while (d.hasRemaining()) {
      byte[] b = new byte[d.getInt()];
      d.get(b);
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }
}
