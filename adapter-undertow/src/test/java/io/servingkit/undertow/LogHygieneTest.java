package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server's log does not grow per request (but for the access log, one line per request by design), and a CPU-only start says so in one line: the server runs as
 * a real process (its native stderr captured), serving a PyTorch CNN (two convolutions per forward call; libtorch 2.7
 * on a CPU without NNPACK support would print two warnings per call) and an ONNX model.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LogHygieneTest {

  private static final int REQUESTS = 40;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void manyForwardCallsLeaveTheLogAsItWasAndCudaIsOneInfoLine() throws Exception {
    Path repo = ServingKitCliTest.repoRoot();
    Path config = Files.writeString(dir.resolve("config.properties"), "inference_address=http://127.0.0.1:0\n");
    try (ServerProcess p =
        ServerProcess.java(dir, Map.of(), "-f", config.toString(),
            "-m", "digits=" + repo.resolve("examples/models/digits-pt").toUri(),
            "-m", "onnx=" + repo.resolve("examples/models/digits-onnx").toUri())) {
      URI base = p.awaitAddresses().get(0);
      byte[] png = Files.readAllBytes(repo.resolve("examples/models/digit-images/3.png"));
      HttpResponse<String> first = predict(base, png);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      int before = withoutAccessLog(p.stdout() + p.stderr()).length();
      for (int i = 0; i < REQUESTS; i++) {
        assertThat(predict(base, png).statusCode()).isEqualTo(200);
      }
      String log = p.stdout() + p.stderr();
      assertThat(count(log, "Could not initialize NNPACK")).as(log).isLessThanOrEqualTo(1);
      assertThat(count(log, "i.servingkit.access")).as("one access-log line per request").isGreaterThanOrEqualTo(REQUESTS);
      log = withoutAccessLog(log);
      assertThat(log.length() - before).as("log growth over %d requests:\n%s", REQUESTS, log.substring(before))
          .isLessThan(200);
      assertThat(log).doesNotContain("Failed to detect GPU count").doesNotContain("CUDA is not supported");
      assertThat(count(log, "no GPU, serving on CPU")).isEqualTo(1);
    }
  }

  private HttpResponse<String> predict(URI base, byte[] png) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/predictions/digits")).timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The log less the access log's lines, which are one per request by design. */
  private static String withoutAccessLog(String log) {
    return log.lines().filter(line -> !line.contains(" i.servingkit.access - ")).collect(Collectors.joining("\n"));
  }

  private static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
