package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * djl-demo's Python-mode walkthrough followed literally against the standalone server (a real process): {@code
 * export PYTHON_EXECUTABLE=...}, then {@code -m resnet::Python=file://$PWD/resnet18}, then {@code curl -T image}.
 * The folder ({@code python/djl-demo-resnet}: torchvision transforms, TorchScript weights made by its
 * {@code make_weights.py}) pins {@code torchvision==0.12.0} in requirements.txt, which pip cannot install here:
 * like DJL Serving, the server logs pip's failure and serves the model with the torchvision it has.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DjlDemoPythonModeTest {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void theWalkthroughRunsUnchangedWithAPinThatPipCannotInstall() throws Exception {
    Path model = copyFixture(dir.resolve("resnet18"));
    // PYTHON_EXECUTABLE is honoured: a link of its own, so that the handler can tell which interpreter runs it
    Path python = Files.createSymbolicLink(dir.resolve("my-python3"), Path.of("/usr/bin/python3"));
    Path config = Files.writeString(dir.resolve("config.properties"), "inference_address=http://127.0.0.1:0\n");
    try (ServerProcess p =
        ServerProcess.java(dir, Map.of("PYTHON_EXECUTABLE", python.toString()), "-f", config.toString(),
            "-m", "resnet::Python=" + model.toUri())) {
      URI base = p.awaitAddresses().get(0);
      byte[] image = Files.readAllBytes(ServingKitCliTest.repoRoot().resolve("examples/models/digit-images/3.png"));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(base.resolve("/predictions/resnet")).timeout(Duration.ofSeconds(120))
                  .PUT(HttpRequest.BodyPublishers.ofByteArray(image)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonArray top = JsonParser.parseString(r.body()).getAsJsonArray();
      assertThat(top).hasSize(3);
      assertThat(top.get(0).getAsJsonObject().get("className").getAsString()).startsWith("class_");
      assertThat(r.headers().firstValue("x-python")).hasValue(python.toString());

      String log = p.stdout() + p.stderr();
      assertThat(log).contains("pip install -r requirements.txt failed")
          .contains("torchvision==0.12.0")
          .contains("loading the model anyway, as DJL Serving does");
    }
  }

  private static Path copyFixture(Path target) throws Exception {
    Path source = Path.of(DjlDemoPythonModeTest.class.getResource("/python/djl-demo-resnet/model.py").toURI()).getParent();
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.toList()) {
        Files.copy(f, target.resolve(f.getFileName().toString()));
      }
    }
    return target;
  }
}
