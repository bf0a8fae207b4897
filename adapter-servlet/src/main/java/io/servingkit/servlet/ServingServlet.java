package io.servingkit.servlet;

import io.servingkit.InvalidSpecException;
import io.servingkit.ServingConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.spi.DaemonThreads;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An asynchronous servlet serving ServingKit's REST API ({@code /ping}, {@code /predictions/...},
 * {@code /models}, ...) from a {@link ServingApi}, in any Jakarta Servlet 6 container.
 *
 * <p>The API path is the request's path below the servlet mapping: mapped at {@code /*} or {@code /} in a web
 * application at {@code /ctx}, {@code /ctx/predictions/digits} is the API's {@code /predictions/digits}; mapped
 * at {@code /serving/*}, so is {@code /ctx/serving/predictions/digits}. The servlet must be registered with
 * async support.
 *
 * <p>Two ways to create it:
 *
 * <ul>
 *   <li>{@code new ServingServlet(api)} or {@code new ServingServlet(api, timeout)} in code (Spring Boot's
 *       {@code ServletRegistrationBean}, {@code ServletContext.addServlet}); the caller keeps owning
 *       {@code api} and the model server behind it.
 *   <li>The no-argument constructor, for a servlet declared in {@code web.xml}: it serves the API that
 *       {@link ServingContextListener} published in the servlet context. Its {@value #ASYNC_TIMEOUT_PARAM}
 *       init-parameter (milliseconds) overrides the listener's timeout.
 * </ul>
 *
 * <p>Each request runs asynchronously: the body is read with a {@link jakarta.servlet.ReadListener} (no
 * container thread waits for a slow upload) into an array that grows with the bytes received, reserved from the
 * API's {@link io.servingkit.api.BodyBudget} (503 when full); a body that stops arriving for the API's
 * {@code requestBodyTimeout} is answered 408 (checked on a timer thread named {@code servingkit-servlet-timer-N});
 * a body over the API's {@code maxRequestSize} is answered 413
 * at once and the rest of it (up to 2 MiB) read and dropped before the connection closes, so the client
 * is not reset before it reads the 413, and the answer is written with a {@link jakarta.servlet.WriteListener} once the model
 * answers. Streamed outputs are pulled chunk by chunk on threads this servlet owns (named
 * {@code servingkit-servlet-stream-N}) and written without blocking. A request still unanswered after the
 * timeout is answered 503; an answer that is already being written when the timeout fires is cut off by the
 * container. Either way each request gets exactly one response. Requests that need no body and are answered
 * at once ({@code /ping}, errors) are served on the calling thread without going asynchronous.
 *
 * <p>The container's reason phrases are used; the Servlet API cannot send a model's own phrase.
 *
 * <p>Threading: the container calls this servlet from any number of threads; per-request state is confined to
 * one exchange object. {@link #destroy()} stops the stream threads; the {@link ServingApi} is never closed
 * here.
 */
public final class ServingServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  /** The servlet init-parameter naming the async timeout in milliseconds ({@code 0}: none). */
  public static final String ASYNC_TIMEOUT_PARAM = "async_timeout";

  /** How long a request may take, from arrival to its last byte, unless configured: 5 minutes. */
  public static final Duration DEFAULT_ASYNC_TIMEOUT = ServingConfig.ASYNC_TIMEOUT.defaultValue().orElseThrow();

  private transient ServingApi api;
  private transient Duration asyncTimeout;
  private transient ExecutorService streamThreads;
  private transient ScheduledExecutorService timer;

  /**
   * A servlet that serves the {@link ServingApi} published by {@link ServingContextListener} in its servlet
   * context; for {@code web.xml} declarations.
   */
  public ServingServlet() {}

  /** A servlet serving {@code api}, with {@link #DEFAULT_ASYNC_TIMEOUT}. */
  public ServingServlet(ServingApi api) {
    this(api, DEFAULT_ASYNC_TIMEOUT);
  }

  /**
   * A servlet serving {@code api}.
   *
   * @param asyncTimeout how long a request may take from arrival to its last byte; zero for no limit
   */
  public ServingServlet(ServingApi api, Duration asyncTimeout) {
    this.api = Objects.requireNonNull(api, "api");
    this.asyncTimeout = checkTimeout(asyncTimeout);
  }

  /** Whole milliseconds for the container, rounded up: a timeout under a millisecond is not "none". */
  private static long timeoutMillis(Duration timeout) {
    long millis = timeout.toMillis();
    return timeout.minusMillis(millis).isZero() ? millis : millis + 1;
  }

  private static Duration checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "asyncTimeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("asyncTimeout must not be negative: " + timeout);
    }
    return timeout;
  }

  @Override
  public void init() throws ServletException {
    if (api == null) {
      Object published = getServletContext().getAttribute(ServingContextListener.SERVING_API_ATTRIBUTE);
      if (!(published instanceof ServingApi)) {
        throw new ServletException(
            "ServingServlet "
                + getServletName()
                + " found no ServingApi in the servlet context attribute "
                + ServingContextListener.SERVING_API_ATTRIBUTE
                + ": declare io.servingkit.servlet.ServingContextListener as a listener, or construct the"
                + " servlet with a ServingApi");
      }
      api = (ServingApi) published;
    }
    String param = getInitParameter(ASYNC_TIMEOUT_PARAM);
    if (param != null) {
      try {
        asyncTimeout =
            ServingConfig.builder()
                .properties(Map.of(ServingConfig.ASYNC_TIMEOUT.key(), param), "servlet init-parameter " + ASYNC_TIMEOUT_PARAM)
                .build()
                .get(ServingConfig.ASYNC_TIMEOUT);
      } catch (InvalidSpecException e) {
        throw new ServletException("ServingServlet " + getServletName() + ": " + e.getMessage(), e);
      }
    } else if (asyncTimeout == null) {
      Object fromListener = getServletContext().getAttribute(ServingContextListener.ASYNC_TIMEOUT_ATTRIBUTE);
      asyncTimeout = fromListener instanceof Duration d ? d : DEFAULT_ASYNC_TIMEOUT;
    }
    streamThreads = newStreamThreads();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, new DaemonThreads("servingkit-servlet-timer-"));
    t.setRemoveOnCancelPolicy(true);
    timer = t;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) {
    new ServletExchange(api, streamThreads, timer, timeoutMillis(asyncTimeout), request, response).start();
  }

  /** Stops the threads that pull streamed outputs and watch for stalled bodies; open streams are abandoned. */
  @Override
  public void destroy() {
    ExecutorService threads = streamThreads;
    if (threads == null) {
      return;
    }
    threads.shutdownNow();
    timer.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ExecutorService newStreamThreads() {
    return new ThreadPoolExecutor(
        0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        new DaemonThreads("servingkit-servlet-stream-"));
  }
}
