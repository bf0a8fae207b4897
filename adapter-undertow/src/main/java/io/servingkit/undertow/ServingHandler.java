package io.servingkit.undertow;

import io.servingkit.api.ApiConfig;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ApiResponse;
import io.servingkit.api.ServingApi;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.server.protocol.http.HttpContinue;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.OptionMap;

/**
 * An Undertow {@link HttpHandler} serving ServingKit's REST API: it copies each request into an
 * {@link ApiRequest}, hands it to a {@link ServingApi}, and writes the {@link ApiResponse} back.
 *
 * <p>Mount it at the root or under a path prefix (it routes on {@link HttpServerExchange#getRelativePath()}).
 * The request body is read straight from the request channel into an array that grows with the bytes that
 * arrived (never allocated from {@code Content-Length}), each growth reserved from the API's
 * {@link io.servingkit.api.BodyBudget} (503 when the server holds too much body already); a body declared
 * over the API's {@code maxRequestSize} is answered 413 without reading it, a chunked one as soon as it
 * passes the limit; a body that stops arriving for {@code requestBodyTimeout} is answered 408 and its
 * connection closed. Timeouts for the request head belong to the listener (see
 * {@link io.servingkit.api.ApiConfig#requestHeaderTimeout()}).
 *
 * <p>Threading: never blocks an IO thread. The body is read with non-blocking reads; the response is written
 * asynchronously by the thread that completes the API's future (saving a hop back to the IO thread); a
 * streamed output is pulled chunk by chunk on the server's XNIO worker threads and each chunk written
 * asynchronously from the IO thread. The handler holds no per-request
 * state and may serve any number of exchanges at once. It does not close the {@link ServingApi}.
 */
public final class ServingHandler implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ServingHandler.class);
  private static final long DRAIN_ALLOWANCE = 1 << 20;
  /** The largest body an array can hold. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
  private static final AttachmentKey<String> API_PATH = AttachmentKey.create(String.class);

  private final ServingApi api;
  /** Answers {@code Expect: 100-continue} when the body is first read (never for a body refused unread). */
  private final HttpContinueReadHandler continueOnRead;

  /** Serves {@code api}. */
  public ServingHandler(ServingApi api) {
    this.api = Objects.requireNonNull(api, "api");
    this.continueOnRead = new HttpContinueReadHandler(this::serve);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    continueOnRead.handleRequest(exchange);
  }

  private void serve(HttpServerExchange exchange) {
    String path = apiPath(exchange);
    if (path == null) {
      writeWhole(
          exchange,
          api.rejectMalformed(
              null, "Malformed percent-encoding in the request path: " + PercentDecoding.printable(exchange.getRelativePath())));
      return;
    }
    exchange.putAttachment(API_PATH, path);
    long max = Math.min(api.config().maxRequestSize(), MAX_ARRAY);
    long declared = exchange.getRequestContentLength();
    long drainLimit = drainLimit(max);
    exchange.setMaxEntitySize(drainLimit);
    if (declared > max) {
      if (declared > drainLimit || HttpContinue.requiresContinueResponse(exchange)) {
        exchange.setPersistent(false);
      }
      writeWhole(exchange, api.rejectTooLarge(request(exchange).build()));
      return;
    }
    if (declared == 0 || exchange.isRequestComplete()) {
      process(exchange, new byte[0], 0);
      return;
    }
    new BodyReader(this, exchange, declared, max, api.config().bodyBudget(), api.config().requestBodyTimeout().toNanos())
        .start();
  }

  /** Hands the request to the API and arranges for the response to be written. */
  void process(HttpServerExchange exchange, byte[] body, int length) {
    ApiRequest.Builder builder = request(exchange);
    builder.body(length == body.length ? ByteBuffer.wrap(body) : ByteBuffer.wrap(body, 0, length));
    CompletableFuture<ApiResponse> answer = api.handle(builder.build()).toCompletableFuture();
    if (answer.isDone() && !answer.isCompletedExceptionally()) {
      write(exchange, answer.join(), null);
      return;
    }
    // Keep the exchange open after the handler returns, and complete it when the future does. The callback is
    // registered in the dispatch task, which Undertow runs after it is done with the exchange on the IO thread, so
    // the two threads never touch the exchange at once. The answer is written on the connection's IO thread: a
    // write from the model's worker thread works too, but measured half as fast (benchmarks/compare.sh, digits,
    // 4 and 16 connections: 3.8k and 5.1k req/s from the worker thread, 7.6k and 11.2k from the IO thread).
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () -> answer.whenComplete((response, failure) -> onIoThread(exchange, () -> write(exchange, response, failure))));
  }

  /** Answers 413 for a body found too large while reading it; the rest is drained up to the entity limit. */
  void tooLarge(HttpServerExchange exchange) {
    writeWhole(exchange, api.rejectTooLarge(request(exchange).build()));
  }

  /** Answers 503 for a body that does not fit in the body budget, and closes the connection (the rest is unread). */
  void overBudget(HttpServerExchange exchange) {
    exchange.setPersistent(false);
    writeWhole(exchange, api.rejectOverBudget(request(exchange).build()));
  }

  /** Answers 503 for a request that arrived while the server shuts down, and closes the connection. */
  void refuseShuttingDown(HttpServerExchange exchange) {
    exchange.setPersistent(false);
    writeWhole(exchange, api.rejectShuttingDown(request(exchange).build()));
  }

  /** Answers 408 for a body that stopped arriving, and closes the connection. */
  void stalled(HttpServerExchange exchange, long received) {
    exchange.setPersistent(false);
    writeWhole(exchange, api.rejectStalledBody(request(exchange).build(), received));
  }

  /** A refused body is drained (so the client reads the 413 and keeps its connection) up to this size. */
  private static long drainLimit(long max) {
    return max + Math.min(Long.MAX_VALUE - max, Math.max(DRAIN_ALLOWANCE, max));
  }

  /**
   * The API path: the relative path, percent-decoded here when the listener leaves it encoded
   * ({@code UndertowOptions.DECODE_URL=false}, as {@link #listenerOptions} sets, so that a malformed escape is
   * answered by the API instead of Undertow's body-less 400); null when it is malformed.
   */
  private static String apiPath(HttpServerExchange exchange) {
    String relative = exchange.getRelativePath();
    String path = relative.isEmpty() ? "/" : relative;
    if (exchange.getConnection().getUndertowOptions().get(UndertowOptions.DECODE_URL, true)) {
      return path;
    }
    return PercentDecoding.decode(path);
  }

  /**
   * Listener options that let this handler answer what Undertow would otherwise answer itself, and bound slow
   * clients: the request head must arrive within {@link ApiConfig#requestHeaderTimeout()} of its first byte
   * ({@code REQUEST_PARSE_TIMEOUT}), an idle connection is closed after the same time ({@code NO_REQUEST_TIMEOUT}),
   * and paths are left percent-encoded ({@code DECODE_URL=false}) so that this handler decodes them and answers a
   * malformed escape with a JSON 400. Note that the last one changes what other handlers on the same listener see.
   */
  public static Undertow.Builder listenerOptions(Undertow.Builder builder, ApiConfig config) {
    OptionMap options = serverOptions(config);
    return builder
        .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, options.get(UndertowOptions.MAX_ENTITY_SIZE))
        .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, options.get(UndertowOptions.REQUEST_PARSE_TIMEOUT))
        .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, options.get(UndertowOptions.NO_REQUEST_TIMEOUT))
        .setServerOption(UndertowOptions.DECODE_URL, false);
  }

  /** The options of {@link #listenerOptions}, as a map. */
  static OptionMap serverOptions(ApiConfig config) {
    int headerMillis = (int) Math.min(Integer.MAX_VALUE, config.requestHeaderTimeout().toMillis());
    long drain = drainLimit(Math.min(config.maxRequestSize(), MAX_ARRAY));
    return OptionMap.builder()
        // Undertow fixes a chunked body's limit when it parses the head, before this handler can set it, and
        // counts each chunk's size twice: without room here a chunked body over 1 MiB was cut off with a reset
        .set(UndertowOptions.MAX_ENTITY_SIZE, drain > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * drain)
        .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, headerMillis)
        .set(UndertowOptions.NO_REQUEST_TIMEOUT, headerMillis)
        .set(UndertowOptions.DECODE_URL, false)
        .getMap();
  }

  /**
   * The raw HTTP/1.1 bytes of the API's 400 for a request that could not be parsed at all, with
   * {@code Connection: close}; for the standalone server's {@link JsonBadRequestConduit}.
   */
  byte[] unparsableRequestAnswer() {
    ApiResponse r =
        api.rejectMalformed(
            null,
            "Malformed HTTP request: its request line, a header, a percent-encoding in its target or its size could"
                + " not be accepted");
    ByteBuffer body = r.body();
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(r.status()).append(' ').append(r.reason()).append("\r\n");
    r.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(body.remaining()).append("\r\nConnection: close\r\n\r\n");
    byte[] h = head.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] all = new byte[h.length + body.remaining()];
    System.arraycopy(h, 0, all, 0, h.length);
    body.duplicate().get(all, h.length, body.remaining());
    return all;
  }

  private static ApiRequest.Builder request(HttpServerExchange exchange) {
    String path = exchange.getAttachment(API_PATH);
    if (path == null) {
      path = exchange.getRelativePath().isEmpty() ? "/" : exchange.getRelativePath();
    }
    ApiRequest.Builder b = ApiRequest.builder(exchange.getRequestMethod().toString(), path);
    b.queryString(exchange.getQueryString());
    InetSocketAddress peer = exchange.getSourceAddress();
    b.remoteAddress(peer == null ? null : peer.getAddress());
    for (HeaderValues values : exchange.getRequestHeaders()) {
      String name = values.getHeaderName().toString();
      for (String value : values) {
        b.header(name, value);
      }
    }
    return b;
  }

  private static void onIoThread(HttpServerExchange exchange, Runnable task) {
    if (exchange.getIoThread() == Thread.currentThread()) {
      task.run();
    } else {
      exchange.getIoThread().execute(task);
    }
  }

  private static void write(HttpServerExchange exchange, ApiResponse response, Throwable failure) {
    if (response == null) {
      // ServingApi answers failures itself; this is a bug, not a request error
      LOG.error("ServingApi failed to answer {}", exchange.getRelativePath(), failure);
      exchange.setStatusCode(500);
      exchange.setPersistent(false);
      exchange.endExchange();
      return;
    }
    if (response.isStream()) {
      // headers wait for the first chunk, which may take a while: pull it on a worker thread
      exchange.dispatch(
          exchange.getConnection().getWorker(), () -> new StreamPump(exchange, response).pull(true));
    } else {
      writeWhole(exchange, response);
    }
  }

  private static void writeHead(HttpServerExchange exchange, ApiResponse response) {
    exchange.setStatusCode(response.status());
    exchange.setReasonPhrase(response.reason());
    HeaderMap headers = exchange.getResponseHeaders();
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      headers.put(HttpString.tryFromString(h.getKey()), h.getValue());
    }
  }

  private static void writeWhole(HttpServerExchange exchange, ApiResponse response) {
    writeHead(exchange, response);
    ByteBuffer body = response.body();
    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.remaining());
    exchange.getResponseSender().send(body);
  }

  /** Moves the chunks of a streamed output to the client: pull on a worker, write on the IO thread. */
  private static final class StreamPump implements IoCallback {
    private final HttpServerExchange exchange;
    private final ApiResponse response;
    private final ApiResponse.ChunkStream stream;

    StreamPump(HttpServerExchange exchange, ApiResponse response) {
      this.exchange = exchange;
      this.response = response;
      this.stream = response.stream();
    }

    /** Runs on a worker thread: waits for the next chunk, then writes it on the IO thread. */
    void pull(boolean first) {
      ByteBuffer chunk;
      try {
        chunk = stream.next();
      } catch (TimeoutException | RuntimeException e) {
        LOG.warn("Streamed output of {} failed: {}", exchange.getRelativePath(), e.toString());
        onIoThread(exchange, () -> abort(first));
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        onIoThread(exchange, () -> abort(first));
        return;
      }
      boolean last = chunk == null || !stream.hasNext();
      onIoThread(exchange, () -> push(chunk, first, last));
    }

    private void push(ByteBuffer chunk, boolean first, boolean last) {
      Sender sender = exchange.getResponseSender();
      if (first) {
        writeHead(exchange, response);
        if (last) {
          // a one-chunk stream is sent whole
          ByteBuffer body = chunk == null ? ByteBuffer.allocate(0) : chunk;
          exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.remaining());
          sender.send(body);
          return;
        }
      }
      if (chunk == null) {
        sender.close(IoCallback.END_EXCHANGE);
      } else if (last) {
        sender.send(chunk, IoCallback.END_EXCHANGE);
      } else if (!chunk.hasRemaining()) {
        exchange.getConnection().getWorker().execute(() -> pull(false));
      } else {
        sender.send(chunk, this);
      }
    }

    private void abort(boolean first) {
      if (first && !exchange.isResponseStarted()) {
        exchange.setStatusCode(500);
        exchange.setPersistent(false);
        exchange.endExchange();
      } else {
        IoUtils.safeClose(exchange.getConnection());
      }
    }

    @Override
    public void onComplete(HttpServerExchange ex, Sender sender) {
      ex.getConnection().getWorker().execute(() -> pull(false));
    }

    @Override
    public void onException(HttpServerExchange ex, Sender sender, IOException e) {
      LOG.debug("Client went away during a streamed response: {}", e.toString());
      IoUtils.safeClose(ex.getConnection());
    }
  }
}
