package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keep-alive connection must not hold on to the requests it has served: 2,000 requests with a 64 KiB body each on
 * one real HTTP/1.1 connection to Undertow leave the heap (after a collection) about where it was. Before the fix
 * each request's body reader stayed registered as a close listener of its connection, with its exchange and body:
 * 125 MiB here, and in a load test a growing live set whose young collections took 50–100 ms (p99 of the tiny model
 * over HTTP: 60–110 ms; after: 1–12 ms, benchmarks/results/profile-undertow-c1-digitsonnx-20261204-1810.txt).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeepAliveRetentionTest {

  private static final int REQUESTS = 2_000;
  private static final int BODY = 64 * 1024;

  @TempDir Path workDir;

  @Test
  void aConnectionDoesNotHoldTheBodiesItHasRead() throws Exception {
    try (ServedOverHttp served = ServedOverHttp.start(ModelServer.builder().workDir(workDir), ApiConfig.defaults())) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = served.base.resolve("/predictions/nosuch"); // the body is read whole before the model is looked up
      byte[] body = new byte[BODY];
      send(http, uri, body); // warm-up: classes, buffers
      long before = usedAfterCollection();
      for (int i = 0; i < REQUESTS; i++) {
        assertThat(send(http, uri, body)).isEqualTo(404);
      }
      long grown = usedAfterCollection() - before;
      assertThat(grown)
          .as("heap grown after %d requests of %d KiB on one connection (they total %d MiB)", REQUESTS, BODY / 1024,
              (long) REQUESTS * BODY >> 20)
          .isLessThan(32L << 20);
    }
  }

  private static int send(HttpClient http, URI uri, byte[] body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static long usedAfterCollection() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
