package io.servingkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Input;
import io.servingkit.api.ApiConfig;
import io.servingkit.servlet.EmbeddedContainer.Kind;
import io.servingkit.servlet.EmbeddedContainer.Mount;
import java.io.EOFException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link ServingServlet} in real Tomcat 11 and Jetty 12 containers, over real loopback HTTP. */
class ServingServletTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  private static HttpResponse<byte[]> send(HttpRequest request) throws Exception {
    return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest.Builder request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void answersPingAndEchoesBodiesUnderAPrefix(Kind kind) throws Exception {
    Mount mount = new Mount("/app", "/serving/*", true, 0);
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").mount(mount).start()) {
      HttpResponse<byte[]> ping = send(request(f.url("/ping")).header("x-request-id", "abc-1").build());
      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(new String(ping.body(), StandardCharsets.UTF_8)).contains("\"echo\"").contains("Healthy");
      assertThat(ping.headers().firstValue("x-request-id")).contains("abc-1");
      assertThat(ping.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));

      byte[] body = new byte[300_000];
      new Random(7).nextBytes(body);
      HttpResponse<byte[]> echo =
          send(
              request(f.url("/predictions/echo"))
                  .header("Content-Type", "application/x-test")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                  .build());
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.headers().firstValue("content-type")).contains("application/x-test");
      assertThat(echo.headers().firstValue("content-length")).contains(Integer.toString(body.length));
      assertThat(echo.body()).isEqualTo(body);

      HttpResponse<byte[]> missing = send(request(f.url("/predictions/nope")).GET().build());
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(new String(missing.body(), StandardCharsets.UTF_8))
          .contains("\"type\": \"ModelNotFoundException\"")
          .contains("Model or workflow not found: nope");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void queryParametersReachTheModelWithoutABody(Kind kind) throws Exception {
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").start()) {
      // a GET whose answer comes from a worker thread: goes asynchronous without a body to read
      HttpResponse<byte[]> r = send(request(f.url("/predictions/echo?data=hello%20there")).GET().build());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello there");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void readsAChunkedBodyThatArrivesInPieces(Kind kind) throws Exception {
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").start();
        RawHttp c = f.raw()) {
      c.send(
          RawHttp.request(
              "POST", f.path("/predictions/echo"), "Transfer-Encoding: chunked", "Content-Type: text/plain"));
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < 40; i++) {
        byte[] piece = ("piece " + i + " " + "x".repeat(i * 100) + "\n").getBytes(StandardCharsets.UTF_8);
        c.sendChunk(piece);
        expected.append(new String(piece, StandardCharsets.UTF_8));
      }
      c.endChunks();
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo(expected.toString());
    }
  }

  /** With one container thread, a half-sent upload must not stop another request: the body is read without blocking. */
  @Test
  void aSlowUploadDoesNotHoldTheOnlyContainerThread() throws Exception {
    try (ServletFixture f =
            ServletFixture.builder(Kind.TOMCAT, dir).model("echo", "test_mode=echo").mount(Mount.root().threads(1)).start();
        RawHttp slow = f.raw();
        RawHttp other = f.raw()) {
      slow.send(RawHttp.request("POST", "/predictions/echo", "Content-Length: 10", "Content-Type: text/plain"));
      slow.send("hello");
      // the only container thread is free while the upload waits for its last five bytes
      RawHttp.Response ping = other.send(RawHttp.request("GET", "/ping")).read();
      assertThat(ping.status()).isEqualTo(200);
      RawHttp.Response echoed = other.send(RawHttp.request("GET", "/predictions/echo?data=quick")).read();
      assertThat(echoed.text()).isEqualTo("quick");

      slow.send("world");
      RawHttp.Response r = slow.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).isEqualTo("helloworld");
    }
  }

  /** With one container thread, a request waiting for its model must not stop another: the answer is asynchronous. */
  @Test
  void aSlowModelDoesNotHoldTheOnlyContainerThread() throws Exception {
    try (ServletFixture f =
            ServletFixture.builder(Kind.TOMCAT, dir)
                .model("gate", "test_mode=gate\nminWorkers=1\nmaxWorkers=1")
                .model("echo", "test_mode=echo")
                .mount(Mount.root().threads(1))
                .start();
        RawHttp waiting = f.raw();
        RawHttp other = f.raw()) {
      waiting.send(RawHttp.request("POST", "/predictions/gate", "Content-Length: 4", "Content-Type: text/plain") + "slow");
      assertThat(f.modes.arrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

      RawHttp.Response r = other.send(RawHttp.request("GET", "/predictions/echo?data=fast")).read();
      assertThat(r.text()).isEqualTo("fast");

      f.modes.gate.release();
      RawHttp.Response slow = waiting.read();
      assertThat(slow.status()).isEqualTo(200);
      assertThat(slow.text()).isEqualTo("slow");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void refusesADeclaredBodyOverTheLimitWithoutReadingIt(Kind kind) throws Exception {
    ApiConfig config = ApiConfig.builder().maxRequestSize(1024).build();
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").config(config).start();
        RawHttp c = f.raw()) {
      // only the head is sent: the answer must not wait for the 5 MB
      RawHttp.Response r =
          c.send(RawHttp.request("POST", f.path("/predictions/echo"), "Content-Length: 5000000")).read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.text()).contains("\"code\": 413").contains("RequestTooLargeException");
      assertThat(r.head().header("connection")).isEqualToIgnoringCase("close");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void refusesAChunkedBodyOnceItGrowsOverTheLimit(Kind kind) throws Exception {
    ApiConfig config = ApiConfig.builder().maxRequestSize(100_000).build();
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").config(config).start();
        RawHttp c = f.raw()) {
      c.send(RawHttp.request("POST", f.path("/predictions/echo"), "Transfer-Encoding: chunked"));
      byte[] piece = new byte[30_000];
      for (int i = 0; i < 4; i++) {
        c.sendChunk(piece); // 120 kB, over the limit; the end is never sent
      }
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.text()).contains("RequestTooLargeException");
    }
  }

  /**
   * The model answers after the timeout: the client gets one 503, and the late answer writes nothing — the same
   * connection then carries a clean next response.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aLateAnswerLosesToTheTimeoutAndWritesNothing(Kind kind) throws Exception {
    try (ServletFixture f =
            ServletFixture.builder(kind, dir)
                .model("gate", "test_mode=gate\nminWorkers=1\nmaxWorkers=1")
                .timeout(Duration.ofMillis(300))
                .start();
        RawHttp c = f.raw()) {
      RawHttp.Response r =
          c.send(RawHttp.request("POST", f.path("/predictions/gate"), "Content-Length: 4", "x-request-id: t-1") + "late")
              .read();
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.head().header("x-request-id")).isEqualTo("t-1");
      assertThat(r.text())
          .contains("\"code\": 503")
          .contains("\"type\": \"ServiceUnavailableException\"")
          .contains("Request timed out: no answer within 300 ms");

      assertThat(f.modes.arrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      f.modes.gate.release(); // the late answer: its future completes on the only worker...
      CompletableFuture<?> next = f.server.predict("gate", textInput("x"));
      // ...which takes this next job only after the late answer's callbacks ran
      assertThat(f.modes.arrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      f.modes.gate.release();
      next.get(10, TimeUnit.SECONDS);

      assertPingAfter(c, f);
    }
  }

  /**
   * Answers that finish around the timeout race it on purpose (model times spread across the container's
   * timeout, whose checks are coarse in Tomcat): every response must be whole and either the answer or the
   * 503, and every kept-alive connection must stay in step.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void answersRacingTheTimeoutGiveExactlyOneWholeResponseEach(Kind kind) throws Exception {
    int connections = 8;
    int perConnection = 8;
    try (ServletFixture f =
        ServletFixture.builder(kind, dir)
            .model("slow", "test_mode=delay\nminWorkers=8\nmaxWorkers=8\njob_queue_size=100")
            .timeout(Duration.ofMillis(400))
            .start()) {
      int[] outcomes = new int[2];
      CompletableFuture<?>[] clients = new CompletableFuture<?>[connections];
      for (int i = 0; i < connections; i++) {
        int id = i;
        clients[i] =
            CompletableFuture.runAsync(
                () -> {
                  Random random = new Random(id);
                  RawHttp c = null;
                  try {
                    for (int j = 0; j < perConnection; j++) {
                      if (c == null) {
                        c = f.raw();
                      }
                      String body = "r" + id + "-" + j;
                      int delay = 200 + random.nextInt(1400);
                      RawHttp.Response r =
                          c.send(
                                  RawHttp.request(
                                          "POST",
                                          f.path("/predictions/slow"),
                                          "Content-Length: " + body.length(),
                                          "Content-Type: text/plain",
                                          "x-delay-ms: " + delay)
                                      + body)
                              .read();
                      if (r.status() == 200) {
                        assertThat(r.text()).isEqualTo(body);
                      } else {
                        assertThat(r.status()).isEqualTo(503);
                        assertThat(r.text()).contains("Request timed out");
                      }
                      synchronized (outcomes) {
                        outcomes[r.status() == 200 ? 0 : 1]++;
                      }
                      if ("close".equalsIgnoreCase(r.head().header("connection"))) {
                        assertThat(c.probe(1000)).as("bytes after a closing response").isEqualTo(-1);
                        c.close();
                        c = null;
                      }
                    }
                    if (c != null) {
                      assertThat(c.send(RawHttp.request("GET", f.path("/ping"))).read().status()).isEqualTo(200);
                      c.close();
                    }
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                });
      }
      CompletableFuture.allOf(clients).get(120, TimeUnit.SECONDS);
      assertThat(outcomes[0] + outcomes[1]).isEqualTo(connections * perConnection);
      System.out.printf("%s: %d answered, %d timed out%n", kind, outcomes[0], outcomes[1]);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void streamsEachChunkAsTheModelProducesIt(Kind kind) throws Exception {
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("tokens", "test_mode=stream").start();
        RawHttp c = f.raw()) {
      c.send(RawHttp.request("POST", f.path("/predictions/tokens"), "Content-Length: 2") + "go");
      ChunkedBytesSupplier chunks = f.modes.streams.poll(10, TimeUnit.SECONDS);
      assertThat(chunks).isNotNull();
      chunks.appendContent("first ".getBytes(StandardCharsets.UTF_8), false);
      RawHttp.Head head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.chunked()).isTrue();
      assertThat(head.header("content-type")).startsWith("text/plain");
      // the client sees the first chunk before the model has produced the second
      assertThat(c.readChunk()).isEqualTo("first ");
      chunks.appendContent("second ".getBytes(StandardCharsets.UTF_8), false);
      assertThat(c.readChunk()).isEqualTo("second ");
      chunks.appendContent("last".getBytes(StandardCharsets.UTF_8), true);
      StringBuilder rest = new StringBuilder();
      for (String s = c.readChunk(); s != null; s = c.readChunk()) {
        rest.append(s);
      }
      assertThat(rest.toString()).isEqualTo("last");
      // the connection is still usable
      assertThat(c.send(RawHttp.request("GET", f.path("/ping"))).read().status()).isEqualTo(200);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aStreamOfOneChunkIsSentWhole(Kind kind) throws Exception {
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("tokens", "test_mode=stream").start();
        RawHttp c = f.raw()) {
      c.send(RawHttp.request("GET", f.path("/predictions/tokens")));
      ChunkedBytesSupplier chunks = f.modes.streams.poll(10, TimeUnit.SECONDS);
      chunks.appendContent("only".getBytes(StandardCharsets.UTF_8), true);
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.head().chunked()).isFalse();
      assertThat(r.head().header("content-length")).isEqualTo("4");
      assertThat(r.text()).isEqualTo("only");
    }
  }

  /** A stream that stalls after its head must look broken to the client, never like a short complete body. */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void aStreamThatStallsAfterItsHeadBreaksTheConnection(Kind kind) throws Exception {
    ApiConfig config = ApiConfig.builder().chunkReadTimeout(Duration.ofMillis(500)).build();
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("tokens", "test_mode=stream").config(config).start();
        RawHttp c = f.raw()) {
      c.send(RawHttp.request("GET", f.path("/predictions/tokens")));
      ChunkedBytesSupplier chunks = f.modes.streams.poll(10, TimeUnit.SECONDS);
      chunks.appendContent("partial".getBytes(StandardCharsets.UTF_8), false);
      RawHttp.Head head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(c.readChunk()).isEqualTo("partial");
      // no further chunk ever comes: after the chunk timeout the connection ends without the last chunk
      assertThatThrownBy(c::readChunk).isInstanceOfAny(EOFException.class, java.net.SocketException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aStreamThatNeverStartsIsAnsweredWithAnError(Kind kind) throws Exception {
    ApiConfig config = ApiConfig.builder().chunkReadTimeout(Duration.ofMillis(300)).build();
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("tokens", "test_mode=stream").config(config).start();
        RawHttp c = f.raw()) {
      RawHttp.Response r = c.send(RawHttp.request("GET", f.path("/predictions/tokens"))).read();
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.text()).contains("\"code\": 500").contains("Read chunk timeout");
      assertPingAfter(c, f);
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void saysSoWhenRegisteredWithoutAsyncSupport(Kind kind) throws Exception {
    Mount mount = new Mount("", "/*", false, 0);
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("echo", "test_mode=echo").mount(mount).start()) {
      // answered at once: served without going asynchronous
      assertThat(send(request(f.url("/ping")).build()).statusCode()).isEqualTo(200);
      HttpResponse<byte[]> r =
          send(request(f.url("/predictions/echo")).POST(HttpRequest.BodyPublishers.ofString("x")).build());
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("not async-supported");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void stopsItsStreamThreadsWhenDestroyed(Kind kind) throws Exception {
    try (ServletFixture f = ServletFixture.builder(kind, dir).model("tokens", "test_mode=stream").start();
        RawHttp c = f.raw()) {
      c.send(RawHttp.request("GET", f.path("/predictions/tokens")));
      ChunkedBytesSupplier chunks = f.modes.streams.poll(10, TimeUnit.SECONDS);
      chunks.appendContent("a".getBytes(StandardCharsets.UTF_8), false);
      chunks.appendContent("b".getBytes(StandardCharsets.UTF_8), true);
      assertThat(c.read().text()).isEqualTo("ab");
      assertThat(streamThreads()).isNotEmpty();
    }
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(streamThreads()).isEmpty());
  }

  /**
   * Nothing may follow a response on its connection: the container either keeps the connection for the next
   * request (Jetty) or closes it (Tomcat drops connections after a 500 or 503). Then /ping answers.
   */
  private static void assertPingAfter(RawHttp c, ServletFixture f) throws Exception {
    int after = c.probe(300);
    assertThat(after).as("bytes after the response").isIn(-1, -2);
    try (RawHttp again = after == -1 ? f.raw() : null) {
      RawHttp on = again != null ? again : c;
      RawHttp.Response ping = on.send(RawHttp.request("GET", f.path("/ping"))).read();
      assertThat(ping.status()).isEqualTo(200);
    }
  }

  private static java.util.List<String> streamThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-servlet-stream-"))
        .toList();
  }

  private static Input textInput(String text) {
    Input input = new Input();
    input.add(text);
    return input;
  }
}
