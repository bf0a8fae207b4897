package io.servingkit.servlet;

import io.servingkit.PredictTimeoutException;
import io.micrometer.observation.Observation;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ApiResponse;
import io.servingkit.api.ServingApi;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on its way through the servlet: reads the body, hands the request to the {@link ServingApi}
 * and writes the answer exactly once.
 *
 * <p>Exactly once: the response is touched only under {@link #lock} and only while the state allows it.
 * {@code OPEN} means nothing was written: the answer and the container's timeout both race for it, and the
 * first to take the lock moves it on. {@code WRITING} means the answer owns the response (its
 * {@link ResponseWriter} is writing); a timeout then lets the writer finish a whole body that can go out at
 * once, and otherwise ends the exchange so the container closes the connection. {@code DONE} means
 * completed or abandoned: the container may already have recycled the request and response, so nobody
 * touches them again.
 *
 * <p>Threading: container callbacks (read, write, timeout, error) for one request are serialised by the
 * container; the model's answer and the stream threads join them through {@link #lock}, which is never held
 * while waiting for anything but the container's own buffered writes.
 */
final class ServletExchange implements AsyncListener {

  private static final Logger LOG = LoggerFactory.getLogger(ServletExchange.class);

  /** Request attribute that marks a streamed answer whose producer failed after the head was sent. */
  static final String BROKEN_STREAM_ATTRIBUTE = "io.servingkit.servlet.brokenStream";

  /** The largest body an array can hold. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

  private static final byte[] NO_BYTES = new byte[0];

  enum State {
    OPEN,
    WRITING,
    DONE
  }

  private final ServingApi api;
  private final Executor streamThreads;
  private final ScheduledExecutorService timer;
  private final long timeoutMillis;
  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final ApiRequest.Builder builder;
  /** The observation current when the request arrived (a framework's server observation), or null. */
  private final Observation arrivedUnder;
  private final ReentrantLock lock = new ReentrantLock();

  // guarded by lock once the exchange is asynchronous
  private State state = State.OPEN;
  private AsyncContext async;
  private ApiRequest apiRequest;
  private ResponseWriter writer;
  private boolean draining; // a 413 is out and the refused body is being read to its end
  private volatile BodyReader reader;

  ServletExchange(
      ServingApi api,
      Executor streamThreads,
      ScheduledExecutorService timer,
      long timeoutMillis,
      HttpServletRequest request,
      HttpServletResponse response) {
    this.api = api;
    this.streamThreads = streamThreads;
    this.timer = timer;
    this.timeoutMillis = timeoutMillis;
    this.request = request;
    this.response = response;
    this.builder = copyHead(request);
    this.arrivedUnder = api.observationRegistry().getCurrentObservation();
  }

  /** Runs on the container thread inside {@code service}. */
  void start() {
    if (request.getDispatcherType() == DispatcherType.ASYNC
        && request.getAttribute(BROKEN_STREAM_ATTRIBUTE) instanceof Throwable broken) {
      // a stream broke after its head was sent; throwing here makes the container close the connection
      // instead of ending the chunked body as if it were whole
      throw new BrokenStreamException(broken);
    }
    long max = Math.min(api.config().maxRequestSize(), MAX_ARRAY);
    long declared = request.getContentLengthLong();
    if (declared > max && (!BodyReader.swallows(declared) || expectsContinue(request))) {
      // a large body is not worth draining; one behind "Expect: 100-continue" was never sent
      response.setHeader("Connection", "close");
      writeBlocking(api.rejectTooLarge(builder.build()));
      return;
    }
    if (declared == 0 || (declared < 0 && hasNoBody(request))) {
      handle(NO_BYTES, 0);
      return;
    }
    if (!goAsync()) {
      return;
    }
    try {
      if (declared > max) {
        tooLarge(); // answered at once; the reader then drains the refused body
      }
      BodyReader r =
          new BodyReader(
              this,
              request.getInputStream(),
              declared,
              max,
              api.config().bodyBudget(),
              api.config().requestBodyTimeout().toNanos());
      reader = r;
      r.watch(timer);
      request.getInputStream().setReadListener(r);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot read the body of {}: {}", request.getRequestURI(), e.toString());
      abandon();
    }
  }

  private static boolean expectsContinue(HttpServletRequest request) {
    String expect = request.getHeader("Expect");
    return expect != null && expect.equalsIgnoreCase("100-continue");
  }

  /**
   * Builds the request with its body and hands it to the API. Runs on a container thread: inside
   * {@code service} for a request without a body, else from the read listener once the body is in.
   */
  void handle(byte[] body, int length) {
    builder.body(ByteBuffer.wrap(body, 0, length));
    ApiRequest built = builder.build();
    CompletableFuture<ApiResponse> answer;
    // the read listener runs outside the request's observation scope: its jobs still belong to the request
    try (Observation.Scope ignored = reenter()) {
      answer = api.handle(built).toCompletableFuture();
    }
    if (async == null) {
      apiRequest = built;
      if (answer.isDone() && !answer.isCompletedExceptionally() && !answer.join().isStream()) {
        writeBlocking(answer.join()); // answered at once: no need to go asynchronous
        return;
      }
      if (!goAsync()) {
        return;
      }
    } else {
      lock.lock();
      try {
        if (state != State.OPEN) {
          return; // timed out or failed while the body was read
        }
        apiRequest = built;
      } finally {
        lock.unlock();
      }
    }
    answer.whenComplete(this::answer);
  }

  /** Makes the arrival's observation current again on this thread, if it is not; null when nothing to do. */
  private Observation.Scope reenter() {
    if (arrivedUnder == null || api.observationRegistry().getCurrentObservation() == arrivedUnder) {
      return null;
    }
    return arrivedUnder.openScope();
  }

  /** Starts async mode; false when the servlet was registered without async support (answered 500). */
  private boolean goAsync() {
    if (!request.isAsyncSupported()) {
      LOG.error(
          "ServingServlet needs async support: register it with asyncSupported=true (web.xml"
              + " <async-supported>true</async-supported>, ServletRegistration.setAsyncSupported(true))");
      writeBlocking(api.failure(builder.build(), new IllegalStateException("the servlet is not async-supported")));
      return false;
    }
    AsyncContext ac = request.startAsync(request, response);
    ac.setTimeout(timeoutMillis);
    ac.addListener(this);
    async = ac;
    return true;
  }

  /** Runs on whichever thread completed the API's future. */
  private void answer(ApiResponse answer, Throwable failure) {
    ApiResponse r = answer;
    if (r == null) {
      // ServingApi answers failures itself; this is a bug, not a request error
      LOG.error("ServingApi failed to answer {}", request.getRequestURI(), failure);
      r = api.failure(apiRequest, failure);
    }
    if (r.isStream()) {
      ApiResponse streamed = r;
      try {
        streamThreads.execute(() -> ResponseWriter.pullFirst(this, streamed));
      } catch (RejectedExecutionException e) {
        // the servlet is being destroyed
        fail(new IllegalStateException("the servlet is shutting down", e));
      }
      return;
    }
    startWriting(r, r.body(), true);
  }

  /**
   * Takes the response for {@code r}: sends its head and hands the body to a {@link ResponseWriter}. Does
   * nothing when the exchange is no longer open. {@code last} says whether {@code body} is all there is
   * (sent with a {@code Content-Length}).
   *
   * @return the writer, or null when the exchange was no longer open
   */
  ResponseWriter startWriting(ApiResponse r, ByteBuffer body, boolean last) {
    lock.lock();
    try {
      if (state != State.OPEN) {
        return null;
      }
      state = State.WRITING;
      writeHead(r);
      if (last) {
        response.setContentLengthLong(body == null ? 0 : body.remaining());
      }
      ResponseWriter w = new ResponseWriter(this, response.getOutputStream(), r, body, last);
      writer = w;
      response.getOutputStream().setWriteListener(w);
      return w;
    } catch (IOException | RuntimeException e) {
      LOG.debug("Writing the answer to {} failed: {}", request.getRequestURI(), e.toString());
      finish();
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Answers with a failure when nothing was written yet (a stream that broke before its first chunk). */
  void fail(Throwable failure) {
    lock.lock();
    try {
      if (state != State.OPEN) {
        return;
      }
      state = State.WRITING;
      ApiResponse r = api.failure(apiRequest != null ? apiRequest : builder.build(), failure);
      writeHead(r);
      ByteBuffer body = r.body();
      response.setContentLengthLong(body.remaining());
      ResponseWriter w = new ResponseWriter(this, response.getOutputStream(), r, body, true);
      writer = w;
      response.getOutputStream().setWriteListener(w);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Writing the failure of {} failed: {}", request.getRequestURI(), e.toString());
      finish();
    } finally {
      lock.unlock();
    }
  }

  /**
   * A streamed answer broke after its head was sent: the client must see a broken response, not a short one
   * that looks whole. The servlet API cannot reset a connection, so the request is dispatched back to the
   * servlet, which throws; the container then closes the connection.
   */
  void breakStream(Throwable cause) {
    lock.lock();
    try {
      if (state == State.DONE) {
        return;
      }
      state = State.DONE;
      request.setAttribute(BROKEN_STREAM_ATTRIBUTE, cause);
      async.dispatch();
    } catch (RuntimeException e) {
      LOG.debug("Aborting the stream of {} failed: {}", request.getRequestURI(), e.toString());
    } finally {
      lock.unlock();
    }
  }

  /**
   * The body is larger than allowed: sends the 413 (with {@code Connection: close}) at once, while the
   * {@link BodyReader} drains what is left of the body; {@link #refusedBodyEnded} then completes the exchange.
   * Runs on a container thread.
   */
  void tooLarge() {
    refuse(api.rejectTooLarge(builder.build()));
  }

  private void refuse(ApiResponse refusal) {
    lock.lock();
    try {
      if (state != State.OPEN) {
        return;
      }
      state = State.WRITING;
      draining = true;
      response.setHeader("Connection", "close");
      writeBlockingUnlocked(refusal);
      response.flushBuffer();
    } catch (IOException e) {
      LOG.debug("Sending the {} for {} failed: {}", refusal.status(), request.getRequestURI(), e.toString());
      finish();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The body does not fit in the body budget: sends the 503 (with {@code Connection: close}) at once, while the
   * {@link BodyReader} drains what is left of the body, as for {@link #tooLarge()}. Runs on a container thread.
   */
  void overBudget() {
    refuse(api.rejectOverBudget(builder.build()));
  }

  /**
   * The body stopped arriving for the body timeout: answers 408 naming it when nothing was answered yet, and
   * completes the exchange so the container closes the connection. Runs on the timer thread.
   */
  void stalled(long received) {
    lock.lock();
    try {
      if (state == State.OPEN) {
        state = State.WRITING;
        response.setHeader("Connection", "close");
        writeBlockingUnlocked(api.rejectStalledBody(builder.build(), received));
        finish();
      } else if (state == State.WRITING && draining) {
        finish(); // the refusal is out; the rest of the refused body stopped coming
      }
    } finally {
      lock.unlock();
    }
  }

  /** A refused body was read to its end, or past what is worth draining: the connection can close now. */
  void refusedBodyEnded() {
    lock.lock();
    try {
      finish();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reading the body failed. A chunked body whose framing the container refused is answered 400 naming it, when the
   * container still lets the answer out (Tomcat does); otherwise (client gone) nothing can be answered.
   */
  void readFailed(Throwable t) {
    LOG.debug("Reading the body of {} failed: {}", request.getRequestURI(), t.toString());
    String encoding = request.getHeader("Transfer-Encoding");
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      lock.lock();
      try {
        if (state == State.OPEN) {
          state = State.WRITING;
          response.setHeader("Connection", "close");
          writeBlockingUnlocked(
              api.rejectMalformed(builder.build(), "Malformed chunked request body: " + t.getMessage()));
          finish();
          return;
        }
      } finally {
        lock.unlock();
      }
    }
    abandon();
  }

  /** Ends the exchange without an answer; the container closes the connection. */
  private void abandon() {
    lock.lock();
    try {
      if (state != State.DONE) {
        finish();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Completes the async context once; afterwards nothing touches the request or response. Under lock. */
  void finish() {
    if (state == State.DONE) {
      return;
    }
    state = State.DONE;
    endBody();
    if (async != null) {
      try {
        async.complete();
      } catch (IllegalStateException e) {
        LOG.debug("Completing {} failed: {}", request.getRequestURI(), e.toString());
      }
    }
  }

  ReentrantLock lock() {
    return lock;
  }

  boolean isDone() {
    return state == State.DONE;
  }

  Executor streamThreads() {
    return streamThreads;
  }

  String uri() {
    return request.getRequestURI();
  }

  // --- AsyncListener: container threads ---

  @Override
  public void onTimeout(AsyncEvent event) {
    lock.lock();
    try {
      switch (state) {
        case OPEN -> {
          state = State.WRITING;
          String message = "Request timed out: no answer within " + timeoutMillis + " ms";
          ApiResponse r =
              api.failure(apiRequest != null ? apiRequest : builder.build(), new PredictTimeoutException(message));
          writeBlockingUnlocked(r);
          finish();
        }
        case WRITING -> {
          if (draining) {
            finish(); // the 413 is out; the client stopped sending the rest of its body
            return;
          }
          // the answer is being written: let it finish if it can go out now, else the container cuts it off
          if (writer != null) {
            writer.writeWhatIsReady();
          }
          if (state != State.DONE) {
            LOG.warn("Request {} timed out after {} ms while its answer was being written", uri(), timeoutMillis);
            state = State.DONE;
          }
        }
        case DONE -> {}
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onError(AsyncEvent event) {
    LOG.debug("Request {} failed: {}", uri(), String.valueOf(event.getThrowable()));
    abandon();
  }

  @Override
  public void onComplete(AsyncEvent event) {
    lock.lock();
    try {
      state = State.DONE;
    } finally {
      lock.unlock();
    }
    endBody();
  }

  /** The exchange ended: the body's budget is given back and its idle check stopped. */
  private void endBody() {
    BodyReader r = reader;
    if (r != null) {
      r.stopWatching();
      r.release();
    }
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not re-started
  }

  // --- writing ---

  private void writeHead(ApiResponse r) {
    response.setStatus(r.status());
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      response.setHeader(h.getKey(), h.getValue());
    }
  }

  /** Writes a whole answer with blocking writes; only on a container thread, before any write listener. */
  private void writeBlocking(ApiResponse r) {
    lock.lock();
    try {
      state = State.WRITING;
      writeBlockingUnlocked(r);
      if (async == null) {
        state = State.DONE;
      }
    } finally {
      lock.unlock();
    }
  }

  private void writeBlockingUnlocked(ApiResponse r) {
    try {
      writeHead(r);
      ByteBuffer body = r.body();
      response.setContentLengthLong(body.remaining());
      if (body.hasRemaining()) {
        ServletOutputStream out = response.getOutputStream();
        write(out, body);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Writing the answer to {} failed: {}", request.getRequestURI(), e.toString());
    }
  }

  static void write(ServletOutputStream out, ByteBuffer buffer) throws IOException {
    if (buffer.hasArray()) {
      out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    } else {
      byte[] copy = new byte[buffer.remaining()];
      buffer.duplicate().get(copy);
      out.write(copy);
    }
  }

  // --- reading the request head ---

  private static ApiRequest.Builder copyHead(HttpServletRequest request) {
    ApiRequest.Builder b = ApiRequest.builder(request.getMethod(), apiPath(request));
    b.queryString(request.getQueryString());
    b.remoteAddress(ipLiteral(request.getRemoteAddr()));
    Enumeration<String> names = request.getHeaderNames();
    while (names.hasMoreElements()) {
      String name = names.nextElement();
      Enumeration<String> values = request.getHeaders(name);
      while (values.hasMoreElements()) {
        b.header(name, values.nextElement());
      }
    }
    return b;
  }

  /**
   * The container's client address as an {@link InetAddress}, parsed only when it is an IP literal (so no name is
   * ever looked up); null otherwise.
   */
  static InetAddress ipLiteral(String address) {
    if (address == null || !(address.indexOf(':') >= 0 || address.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
      return null;
    }
    try {
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** The API path: the request's path below the servlet mapping. */
  static String apiPath(HttpServletRequest request) {
    String info = request.getPathInfo();
    if (info != null && !info.isEmpty()) {
      return info;
    }
    HttpServletMapping mapping = request.getHttpServletMapping();
    MappingMatch match = mapping == null ? null : mapping.getMappingMatch();
    if (match == MappingMatch.DEFAULT || match == MappingMatch.EXACT || match == MappingMatch.EXTENSION) {
      String servletPath = request.getServletPath();
      return servletPath.isEmpty() ? "/" : servletPath;
    }
    return "/";
  }

  /** An HTTP/1 request with neither Content-Length nor Transfer-Encoding has no body. */
  private static boolean hasNoBody(HttpServletRequest request) {
    return request.getHeader("Transfer-Encoding") == null && request.getProtocol().startsWith("HTTP/1");
  }

  /** Thrown on the async re-dispatch of a broken stream so that the container closes the connection. */
  static final class BrokenStreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BrokenStreamException(Throwable cause) {
      super("streamed output broke after its head was sent; closing the connection", cause);
    }
  }
}
