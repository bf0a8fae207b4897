package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.servingkit.grpc.proto.GRPCInferenceServiceGrpc;
import io.servingkit.grpc.proto.ModelInferRequest;
import io.servingkit.grpc.proto.ModelInferResponse;
import io.servingkit.grpc.proto.ModelMetadataRequest;
import io.servingkit.grpc.proto.ServerReadyRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server, run as a real process, opens the Open Inference Protocol's gRPC service on
 * {@code grpc_address} next to its HTTP listener: grpc-java's client reads readiness and metadata and runs the MLP,
 * and {@code examples/oip-client/client.py} (Python: requests and grpcio) gets the same answer over REST JSON, the
 * REST binary extension and gRPC.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GrpcAddressTest {

  @TempDir Path dir;

  @Test
  void grpcAddressServesTheProtocolBesideHttp() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Path config = dir.resolve("config.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\ngrpc_address=127.0.0.1:" + port + "\n");
    Path mlp = io.servingkit.testing.TestModels.dir("mlp-onnx");
    try (ServerProcess p = ServerProcess.java(dir, Map.of(), "-f", config.toString(), "-m", "mlp=" + mlp.toUri())) {
      List<URI> addresses = p.awaitAddresses();
      HttpResponse<String> ready =
          HttpClient.newHttpClient().send(
              HttpRequest.newBuilder(addresses.get(0).resolve("/v2/health/ready")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
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
        assertThat(first).isCloseTo(-0.29639077f, org.assertj.core.api.Assertions.within(1e-5f));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      // the Python client example (Debian's python3-requests and python3-grpcio) gets the same numbers three ways
      Path root = io.servingkit.testing.TestModels.root().getParent().getParent();
      Path pb2 = root.resolve("adapter-grpc/target/generated-sources/protobuf/python");
      assertThat(pb2.resolve("grpc_service_pb2.py")).exists();
      Process python = new ProcessBuilder(
              "/usr/bin/python3", root.resolve("examples/oip-client/client.py").toString(),
              addresses.get(0).toString(), "127.0.0.1:" + port, pb2.toString(), "mlp")
          .redirectErrorStream(true)
          .start();
      String printed = new String(python.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(python.exitValue()).as(printed).isZero();
      assertThat(printed)
          .contains("ready: 200")
          .contains("input: input FP32 [-1, 4]")
          .contains("rest json: py-json [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("rest binary: [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("grpc: py-grpc [1, 3] ['-0.29639', '-0.39186', '0.85879']")
          .contains("grpc unknown model: NOT_FOUND");
    }
  }
}
