package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.BodyBudget;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.ThreadLeaks;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile clients, in the manner of Triton's L0 tests: each test is one attack that asserts the answer the
 * server gives and then that the server still answers a known request correctly ({@link #assertStillServing}).
 * Written once against a {@link ServerUnderTest}; each adapter runs it (Undertow, and Tomcat and Jetty where
 * the attack reaches the servlet). Raw sockets ({@link RawHttp}) do what well-behaved clients never do: declare
 * a body and not send it, stall mid-head, send chunked bodies past the limit, send malformed request targets.
 *
 * <p>Three listeners serve the same model server: {@link #base()} with DJL Serving's limits (64 MiB bodies),
 * {@link #tightBase()} with a 1 s header and body timeout, and {@link #budgetBase()} whose body budget is
 * 256 KiB. Add a test here for every new attack; management and archive attacks belong here too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class HostileClientSuite {

  /** The main listener's body budget: room for one body at the limit plus the requests the tests send. */
  protected static final long MAIN_BUDGET = 80L * 1024 * 1024;
  /** The budget listener's body budget. */
  protected static final long SMALL_BUDGET = 256 * 1024;
  /** The declared length of the finding: 40 connections declaring this and sending a byte a second. */
  private static final long DECLARED = 62_914_560;

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  private final ConformanceModeProvider modes = new ConformanceModeProvider();
  private final List<ServingApi> apis = new ArrayList<>();
  private Path modelDir;
  private ModelServer server;
  private ServerUnderTest sut;
  private ServingApi mainApi;
  private ServingApi tightApi;
  private ServingApi budgetApi;
  private URI base;
  private URI tightBase;
  private URI budgetBase;

  @BeforeAll
  void startServer() throws Exception {
    modelDir = Files.createTempDirectory("servingkit-hostile-");
    Path echo = Files.createDirectories(modelDir.resolve("echo"));
    Files.writeString(
        echo.resolve("serving.properties"), "engine=Python\n" + ConformanceModeProvider.BEHAVIOUR + "=echo\n");
    server = ModelServer.builder().addModeProvider(modes).model("echo=" + echo.toUri()).build();
    sut = newServerUnderTest();
    mainApi = api(ApiConfig.builder().bodyBudget(new BodyBudget(MAIN_BUDGET)));
    base = sut.start(mainApi);
    tightApi =
        api(
            ApiConfig.builder()
                .bodyBudget(new BodyBudget(MAIN_BUDGET))
                .requestHeaderTimeout(Duration.ofSeconds(1))
                .requestBodyTimeout(Duration.ofSeconds(1)));
    tightBase = sut.start(tightApi);
    budgetApi = api(ApiConfig.builder().bodyBudget(new BodyBudget(SMALL_BUDGET)));
    budgetBase = sut.start(budgetApi);
  }

  private ServingApi api(ApiConfig.Builder config) {
    ServingApi api = new ServingApi(server, config.build());
    apis.add(api);
    return api;
  }

  @AfterAll
  void stopServer() throws Exception {
    try {
      if (sut != null) {
        sut.close();
      }
    } finally {
      apis.forEach(ServingApi::close);
      if (server != null) {
        server.close();
      }
      SuiteResources.close(null, null, null, modelDir);
    }
    ThreadLeaks.assertNoneLeft();
  }

  // ------------------------------------------------------------------------------------------ bodies

  @Test
  void chunkedBodyOfThreeMebibytesIsServed() throws Exception {
    byte[] body = randomBytes(3 * 1024 * 1024, 1);
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(chunkedHead("/predictions/echo"));
      sendChunked(raw, body, 64 * 1024);
      RawHttp.Head head = raw.readHead();
      byte[] answer = raw.readBody(head);
      assertThat(head.status()).as(head.statusLine()).isEqualTo(200);
      assertThat(answer.length).isEqualTo(body.length);
      assertThat(Arrays.equals(answer, body)).as("the echoed body equals the one sent").isTrue();
    }
    assertStillServing(base);
  }

  @Test
  void chunkedBodyOverMaxRequestSizeIsAJson413() throws Exception {
    long limit = mainApi.config().maxRequestSize();
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(chunkedHead("/predictions/echo"));
      // keep sending past the limit in the background, as a client that does not read its answer early would
      CompletableFuture<Void> sending = sendChunkedInBackground(raw, limit + 4 * 1024 * 1024, 256 * 1024);
      RawHttp.Head head = raw.readHead();
      assertJsonError(head, raw.readBody(head), 413, "RequestTooLargeException", "max_request_size");
      sending.cancel(true);
    }
    assertStillServing(base);
    awaitBudgetsEmpty();
  }

  @Test
  void declaredLengthIsNotAllocatedBeforeTheBytesArrive() throws Exception {
    // the finding: connections declaring Content-Length 62914560 and sending a byte a second pinned 60 MB each
    int connections = 6;
    BodyBudget budget = mainApi.config().bodyBudget();
    List<RawHttp> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        RawHttp raw = new RawHttp(base);
        stalled.add(raw);
        raw.sendRaw(
            bytes(
                "POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + DECLARED + "\r\n\r\n"));
        raw.sendRaw(new byte[1000]);
      }
      // every connection's bytes are accounted for as they arrive ...
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(budget::inUse, used -> used >= connections * 1000L);
      // ... and what is held follows what arrived, not what was declared (6 x 60 MB before)
      assertThat(budget.inUse()).isLessThanOrEqualTo(connections * 1024L * 1024);
      assertStillServing(base);
    } finally {
      for (RawHttp raw : stalled) {
        raw.close();
      }
    }
    awaitBudgetsEmpty();
  }

  @Test
  void aBodyThatDoesNotFitTheBudgetIsAJson503() throws Exception {
    byte[] body = new byte[(int) (2 * SMALL_BUDGET)];
    try (RawHttp raw = new RawHttp(budgetBase)) {
      raw.sendRaw(
          bytes("POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length + "\r\n\r\n"));
      CompletableFuture<Void> sending = sendInBackground(raw, body);
      RawHttp.Head head = raw.readHead();
      assertJsonError(head, raw.readBody(head), 503, "ServiceUnavailableException", "max_request_bytes_in_flight");
      sending.cancel(true);
    }
    // the budget is given back: a body that fits is served on the same listener
    awaitBudgetsEmpty();
    assertStillServing(budgetBase);
  }

  @Test
  void aStalledBodyIsAJson408NamingTheTimeoutAndTheConnectionCloses() throws Exception {
    try (RawHttp raw = new RawHttp(tightBase)) {
      raw.sendRaw(bytes("POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"));
      raw.sendRaw(new byte[10]);
      RawHttp.Head head = raw.readHead();
      assertJsonError(head, raw.readBody(head), 408, "RequestTimeoutException", "request_body_timeout=1 s");
      raw.awaitClosed();
    }
    awaitBudgetsEmpty();
    assertStillServing(tightBase);
  }

  @Test
  void aStalledChunkedBodyIsAJson408AndTheConnectionCloses() throws Exception {
    try (RawHttp raw = new RawHttp(tightBase)) {
      raw.sendRaw(chunkedHead("/predictions/echo"));
      raw.sendRaw(bytes("a\r\n0123456789\r\n"));
      RawHttp.Head head = raw.readHead();
      assertJsonError(head, raw.readBody(head), 408, "RequestTimeoutException", "request_body_timeout=1 s");
      raw.awaitClosed();
    }
    awaitBudgetsEmpty();
    assertStillServing(tightBase);
  }

  @Test
  void aStalledRequestHeadIsCutOff() throws Exception {
    try (RawHttp raw = new RawHttp(tightBase)) {
      raw.sendRaw(bytes("POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
      // slowloris: the head never ends; the server must close the connection on its own
      raw.awaitClosed();
    }
    assertStillServing(tightBase);
  }

  @Test
  void aClientThatVanishesMidBodyLeavesNothingHeld() throws Exception {
    for (int i = 0; i < 5; i++) {
      try (RawHttp raw = new RawHttp(base)) {
        raw.sendRaw(
            bytes("POST /predictions/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500000\r\n\r\n"));
        raw.sendRaw(new byte[100_000]);
      }
    }
    awaitBudgetsEmpty();
    assertStillServing(base);
  }

  // ------------------------------------------------------------------------------------------ errors

  /**
   * Broken chunked framing (a chunk-size line that is not hex): where the adapter can answer ({@link
   * ServerUnderTest#answersBrokenChunkedFraming()}), a 400 naming the chunked framing, JSON where the adapter
   * writes it, and the connection closed (its framing is lost); on every adapter the server then goes on serving.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{index}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n"})
  void brokenChunkedFramingIsA400WhereTheAdapterCanAnswerAndTheServerGoesOn(String chunks) throws Exception {
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(chunkedHead("/predictions/echo"));
      raw.sendRaw(bytes(chunks));
      if (sut.answersBrokenChunkedFraming()) {
        RawHttp.Head head = raw.readHead();
        byte[] body = raw.readBody(head);
        assertJsonError(head, body, 400, "BadRequestException", "chunked");
        raw.awaitClosed();
      }
    }
    awaitBudgetsEmpty();
    assertStillServing(base);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "GET /predictions/ec%zzho HTTP/1.1",
        "GET /predictions/echo% HTTP/1.1",
        "GET /predictions/\u0001echo HTTP/1.1",
        "NOT A REQUEST LINE",
        "GET /ping HTTP/1.1\r\nBad Header Without Colon",
        "GET /ping HTTP/1.1\r\nX-Big: <2 MiB>"
      })
  void anUnparsableRequestIsA400AndTheServerGoesOn(String head) throws Exception {
    String request = head.replace("<2 MiB>", "x".repeat(2 * 1024 * 1024));
    try (RawHttp raw = new RawHttp(base)) {
      raw.sendRaw(bytes(request + "\r\nHost: 127.0.0.1\r\n\r\n"));
      RawHttp.Head answer = raw.readHead();
      byte[] body = raw.readBody(answer);
      if (sut.answersUnparsableRequestsWithJson()) {
        assertJsonError(answer, body, 400, "BadRequestException", "Malformed HTTP request");
      } else {
        assertThat(answer.status()).as(answer.statusLine()).isBetween(400, 431);
      }
    } catch (java.net.SocketException e) {
      // a container may reset a connection whose head it refused while the client was still sending it
      assertThat(sut.answersUnparsableRequestsWithJson()).as("reset instead of an answer: " + e).isFalse();
    }
    assertStillServing(base);
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** The main listener (DJL Serving's limits, 30 s timeouts). */
  protected URI base() {
    return base;
  }

  /** The listener with 1 s header and body timeouts. */
  protected URI tightBase() {
    return tightBase;
  }

  /** The listener whose body budget is {@link #SMALL_BUDGET}. */
  protected URI budgetBase() {
    return budgetBase;
  }

  /** The model server behind every listener. */
  protected ModelServer models() {
    return server;
  }

  /** A known request answered correctly: the echo model returns the body it was sent. */
  protected void assertStillServing(URI at) throws IOException {
    String known = "known request " + System.nanoTime();
    try (RawHttp raw = new RawHttp(at)) {
      raw.send("POST", "/predictions/echo", Map.of("Content-Type", "text/plain"), bytes(known));
      RawHttp.Head head = raw.readHead();
      assertThat(head.status()).as(head.statusLine()).isEqualTo(200);
      assertThat(new String(raw.readBody(head), StandardCharsets.UTF_8)).isEqualTo(known);
    }
  }

  /** Waits until every listener's body budget is back to zero: nothing is held for connections that ended. */
  protected void awaitBudgetsEmpty() {
    for (ServingApi api : apis) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(api.config().bodyBudget().inUse()).as(api.config().toString()).isZero());
    }
  }

  /** Asserts a JSON error body {@code {"code","type","message"}} whose message contains {@code mentions}. */
  protected static void assertJsonError(RawHttp.Head head, byte[] body, int status, String type, String mentions) {
    String text = new String(body, StandardCharsets.UTF_8);
    assertThat(head.status()).as(head.statusLine() + " " + text).isEqualTo(status);
    assertThat(head.header("content-type")).as(head + " " + text).startsWith("application/json");
    JsonObject json = JsonParser.parseString(text).getAsJsonObject();
    assertThat(json.get("code").getAsInt()).isEqualTo(status);
    assertThat(json.get("type").getAsString()).isEqualTo(type);
    assertThat(json.get("message").getAsString()).contains(mentions);
  }

  static byte[] chunkedHead(String target) {
    return bytes("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  }

  private static void sendChunked(RawHttp raw, byte[] body, int chunk) throws IOException {
    for (int off = 0; off < body.length; off += chunk) {
      int n = Math.min(chunk, body.length - off);
      raw.sendRaw(bytes(Integer.toHexString(n) + "\r\n"));
      raw.sendRaw(Arrays.copyOfRange(body, off, off + n));
      raw.sendRaw(bytes("\r\n"));
    }
    raw.sendRaw(bytes("0\r\n\r\n"));
  }

  /** Sends {@code total} bytes of chunks on another thread; stops quietly when the server closes. */
  private static CompletableFuture<Void> sendChunkedInBackground(RawHttp raw, long total, int chunk) {
    return CompletableFuture.runAsync(
        () -> {
          byte[] data = new byte[chunk];
          try {
            for (long sent = 0; sent < total && !Thread.currentThread().isInterrupted(); sent += chunk) {
              raw.sendRaw(bytes(Integer.toHexString(chunk) + "\r\n"));
              raw.sendRaw(data);
              raw.sendRaw(bytes("\r\n"));
            }
            raw.sendRaw(bytes("0\r\n\r\n"));
          } catch (IOException e) {
            // the server closed the connection after answering: expected
          }
        });
  }

  private static CompletableFuture<Void> sendInBackground(RawHttp raw, byte[] body) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            raw.sendRaw(body);
          } catch (IOException e) {
            // the server closed the connection after answering: expected
          }
        });
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
