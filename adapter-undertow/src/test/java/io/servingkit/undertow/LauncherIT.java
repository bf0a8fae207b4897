package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.servingkit.paddle.PaddleFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher ({@code target/servingkit/bin/servingkit}, built by {@code mvn package}) as a user runs
 * it: the README's digits model answers a prediction, bad input exits non-zero with a message. Run by
 * failsafe in {@code mvn verify}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LauncherIT {

  @TempDir Path dir;

  private static Path launcher() {
    Path script = Path.of(System.getProperty("servingkit.launcher", "target/servingkit/bin/servingkit"));
    assertThat(script).as("run mvn package first").isExecutable();
    return script.toAbsolutePath();
  }

  @Test
  void servesTheReadmeDigitsModel() throws Exception {
    Path config = dir.resolve("config.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\n");
    Path repo = ServingKitCliTest.repoRoot();
    try (ServerProcess p =
        ServerProcess.launcher(
            launcher(), repo, dir, Map.of(), "-f", config.toString(), "-m", "digits=file:examples/models/digits-onnx")) {
      URI base = p.awaitAddresses().get(0);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      byte[] png = Files.readAllBytes(repo.resolve("examples/models/digit-images/9.png"));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("/predictions/digits"))
                  .timeout(Duration.ofSeconds(30))
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(png))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject().get("className").getAsString())
          .isEqualTo("9");
      p.terminate();
      assertThat(p.awaitExit()).isEqualTo(143);
      assertThat(p.stderr()).contains("Model digits (java mode, OnnxRuntime) ready");
    }
  }

  @Test
  void servesAPaddleModelGivenWithDashM() throws Exception {
    // serving-paddle ships in the launcher: a PaddlePaddle folder given with -m loads (in its worker JVM) and answers
    Path model = PaddleFixtures.writeSmallModel(dir.resolve("fc"));
    Path config = dir.resolve("config.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\n");
    try (ServerProcess p = ServerProcess.launcher(launcher(), dir, dir, Map.of(), "-f", config.toString(), "-m", "fc=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("/predictions/fc"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Content-Type", "application/octet-stream")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(PaddleFixtures.npy(new float[] {1, 2, 3, 4}, 1, 4)))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).as(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8) + "\n" + p.stderr())
          .isEqualTo(200);
      float[] expected = PaddleFixtures.smallModelAnswer(new float[][] {{1, 2, 3, 4}})[0];
      // the answer is DJL's NDList, read back with this JVM's PyTorch engine
      try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager("PyTorch");
          ai.djl.ndarray.NDList out = ai.djl.ndarray.NDList.decode(manager, r.body())) {
        assertThat(out.get(0).toFloatArray()).containsExactly(expected, org.assertj.core.api.Assertions.within(1e-4f));
      }
      assertThat(p.stderr() + p.stdout()).contains("Model fc (paddle mode, PaddlePaddle) ready");
    }
  }

  @Test
  void versionAndBadInput() throws Exception {
    try (ServerProcess p = ServerProcess.launcher(launcher(), dir, dir, Map.of(), "--version")) {
      assertThat(p.awaitExit()).isZero();
      assertThat(p.stdout()).contains("ServingKit 0.1.0");
    }
    try (ServerProcess p = ServerProcess.launcher(launcher(), dir, dir, Map.of(), "-m")) {
      assertThat(p.awaitExit()).isEqualTo(2);
      assertThat(p.stderr()).contains("Missing required parameter for option '--models'");
    }
    try (ServerProcess p =
        ServerProcess.launcher(launcher(), dir, dir, Map.of(), "-m", "x=file:does/not/exist", "-f", emptyConfig().toString())) {
      assertThat(p.awaitExit()).isEqualTo(1);
      assertThat(p.stderr()).contains("servingkit: cannot start: Invalid model url: file:does/not/exist");
    }
  }

  private Path emptyConfig() throws Exception {
    Path config = dir.resolve("empty.properties");
    Files.writeString(config, "inference_address=http://127.0.0.1:0\n");
    return config;
  }
}
