package io.servingkit.internal.source;

import static io.servingkit.internal.source.TestArchives.entries;
import static io.servingkit.internal.source.TestArchives.list;
import static io.servingkit.internal.source.TestArchives.read;
import static io.servingkit.internal.source.TestArchives.zipBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a real HTTP server on loopback. */
@Timeout(60)
class ModelArchivesHttpTest {
  private static final long LIMIT = 64 * 1024;

  @TempDir Path tmp;
  private Path cache;
  private HttpServer server;
  private ExecutorService serverThreads;
  private final CountDownLatch release = new CountDownLatch(1);
  private String base;
  private byte[] modelZip;

  @BeforeEach
  void startServer() throws Exception {
    cache = tmp.resolve("cache");
    modelZip = zipBytes(
        entries("resnet/", "", "resnet/resnet.pt", "weights", "resnet/serving.properties", "engine=PyTorch"));
    byte[] tarGz = tarGzBytes();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext("/models/resnet.zip", ex -> send(ex, 200, modelZip, true));
    server.createContext("/chunked/mlp.tar.gz", ex -> send(ex, 200, tarGz, false));
    server.createContext("/download", ex -> send(ex, 200, tarGz, true));
    server.createContext("/missing.zip", ex -> send(ex, 404, "not here".getBytes(), true));
    server.createContext("/big.zip", ex -> {
      ex.sendResponseHeaders(200, LIMIT * 100);
      writeUntilRefused(ex);
    });
    server.createContext("/bigchunked.zip", ex -> {
      ex.sendResponseHeaders(200, 0);
      writeUntilRefused(ex);
    });
    server.createContext("/slow.zip", ex -> {
      try {
        release.await(30, TimeUnit.SECONDS); // never answers within the client's timeout
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() throws Exception {
    release.countDown();
    server.stop(0);
    serverThreads.shutdownNow();
    assertThat(serverThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  private ModelArchives archives(Duration timeout) {
    return new ModelArchives(cache, timeout, LIMIT);
  }

  @Test
  void downloadsAndExtractsAZip() throws Exception {
    Path dir = archives(Duration.ofSeconds(10)).resolve(base + "/models/resnet.zip");

    assertThat(dir.getFileName()).hasToString("resnet");
    assertThat(dir.startsWith(cache)).isTrue();
    assertThat(read(dir.resolve("resnet.pt"))).isEqualTo("weights");
    assertThat(list(cache)).hasSize(1); // the downloaded .part file is gone
  }

  @Test
  void chunkedBodyWithoutContentLength() throws Exception {
    Path dir = archives(Duration.ofSeconds(10)).resolve(base + "/chunked/mlp.tar.gz");

    assertThat(dir.getFileName()).hasToString("mlp");
    assertThat(read(dir.resolve("mlp.onnx"))).isEqualTo("onnx");
  }

  @Test
  void urlWithoutArchiveSuffixIsRecognisedByContent() throws Exception {
    Path dir = archives(Duration.ofSeconds(10)).resolve(base + "/download?id=7");

    assertThat(read(dir.resolve("mlp.onnx"))).isEqualTo("onnx");
  }

  @Test
  void sameDownloadReusesTheExtractedFolder() {
    ModelArchives archives = archives(Duration.ofSeconds(10));
    Path first = archives.resolve(base + "/models/resnet.zip");
    Path second = archives.resolve(base + "/models/resnet.zip");

    assertThat(second).isEqualTo(first);
    assertThat(list(cache)).hasSize(1);
  }

  @Test
  void notFoundNamesTheStatus() {
    String url = base + "/missing.zip";
    assertThatThrownBy(() -> archives(Duration.ofSeconds(10)).resolve(url))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("download of " + url + " failed: HTTP 404");
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void contentLengthOverTheLimitIsRefusedAtOnce() {
    String url = base + "/big.zip";
    assertThatThrownBy(() -> archives(Duration.ofSeconds(10)).resolve(url))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("download of " + url + " refused: Content-Length of " + LIMIT * 100
            + " bytes exceeds the limit of " + LIMIT + " bytes");
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void bodyOverTheLimitWithoutContentLengthIsCutOff() {
    String url = base + "/bigchunked.zip";
    assertThatThrownBy(() -> archives(Duration.ofSeconds(10)).resolve(url))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("download of " + url + " refused: the body exceeds the limit of " + LIMIT + " bytes");
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void serverThatNeverAnswersTimesOut() {
    String url = base + "/slow.zip";
    assertThatThrownBy(() -> archives(Duration.ofSeconds(1)).resolve(url))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("download of " + url + " timed out after 1s");
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void refusedConnectionIsAClearFailure() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/model.zip";
    assertThatThrownBy(() -> archives(Duration.ofSeconds(5)).resolve(url))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("download of " + url + " failed: cannot connect to 127.0.0.1:" + port);
  }

  private static void send(HttpExchange ex, int status, byte[] body, boolean withLength) throws IOException {
    ex.sendResponseHeaders(status, withLength ? body.length : 0);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Writes up to 100 times the limit; stops as soon as the client hangs up. */
  private static void writeUntilRefused(HttpExchange ex) {
    byte[] chunk = new byte[8192];
    try (OutputStream out = ex.getResponseBody()) {
      for (long sent = 0; sent < LIMIT * 100; sent += chunk.length) {
        out.write(chunk);
      }
    } catch (IOException e) {
      // the client cancelled the download: expected
    }
  }

  private byte[] tarGzBytes() throws IOException {
    Path file = tmp.resolve("scratch/mlp.tar.gz");
    try (TestArchives.Tar tar = new TestArchives.Tar(file, true)) {
      tar.dir("mlp").file("mlp/mlp.onnx", "onnx");
    }
    return Files.readAllBytes(file);
  }
}
