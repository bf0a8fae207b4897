package io.servingkit.servlet;

import io.servingkit.api.AccessLog;
import io.servingkit.api.RequestIds;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.MDC;

/**
 * Gives every request an id and logs it: the client's {@code x-request-id} (a new UUID when it sent none or an
 * unusable one, passed on to the rest of the chain as if the client had sent it), answered in the
 * {@code x-request-id} response header; the id and the W3C {@code traceparent}'s trace in the MDC while the
 * chain runs ({@link RequestIds}), so that the application's and ServingKit's log lines about the request — and
 * the jobs it queues — carry them; and, when the request is answered (also when it went asynchronous), one
 * {@link AccessLog} line.
 *
 * <p>Declare it in {@code web.xml} (init-parameters {@code access_log}: {@code true} or {@code false},
 * {@code access_log_format}: {@code combined} or {@code common}), add it with
 * {@code ServletContext.addFilter}, or let the Spring Boot starter register it.
 *
 * <p>Threading: stateless per request; safe for concurrent use.
 */
public final class RequestLogFilter extends HttpFilter {

  private static final long serialVersionUID = 1L;

  private transient AccessLog accessLog;
  private transient boolean configured;

  /** For {@code web.xml}: reads the init-parameters (default: combined access log). */
  public RequestLogFilter() {}

  /**
   * A filter that writes {@code accessLog}'s lines, or none when it is null (ids and MDC only).
   *
   * @param accessLog the access log, or null for none
   */
  public RequestLogFilter(AccessLog accessLog) {
    this.accessLog = accessLog;
    this.configured = true;
  }

  @Override
  public void init(FilterConfig config) throws ServletException {
    super.init(config);
    if (configured) {
      return;
    }
    String enabled = config.getInitParameter("access_log");
    if (enabled != null && !enabled.strip().equalsIgnoreCase("true") && !enabled.strip().equalsIgnoreCase("false")) {
      throw new ServletException("access_log=" + enabled + ": expected true or false");
    }
    String format = Objects.requireNonNullElse(config.getInitParameter("access_log_format"), "combined");
    try {
      accessLog = "false".equalsIgnoreCase(Objects.requireNonNullElse(enabled, "true").strip()) ? null : AccessLog.of(format.strip());
    } catch (IllegalArgumentException e) {
      throw new ServletException(e.getMessage(), e);
    }
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    ZonedDateTime arrived = ZonedDateTime.now();
    String given = request.getHeader(RequestIds.REQUEST_ID_HEADER);
    String id = RequestIds.requestId(given);
    HttpServletRequest forward = id.equals(given) ? request : new WithRequestId(request, id);
    String traceparent = request.getHeader(RequestIds.TRACEPARENT_HEADER);
    response.setHeader(RequestIds.REQUEST_ID_HEADER, id);
    try (RequestIds.Scope ignored = RequestIds.enter(id, traceparent)) {
      // the trace as this thread's MDC has it now: a tracer's server span when there is one, else traceparent's
      String traceId = MDC.get(RequestIds.MDC_TRACE_ID);
      String spanId = MDC.get(RequestIds.MDC_SPAN_ID);
      try {
        chain.doFilter(forward, response);
      } finally {
        if (accessLog != null) {
          if (request.isAsyncStarted()) {
            request.getAsyncContext().addListener(new LogWhenDone(request, response, arrived, id, traceId, spanId));
          } else {
            log(request, response, arrived);
          }
        }
      }
    }
  }

  private void log(HttpServletRequest request, HttpServletResponse response, ZonedDateTime arrived) {
    String query = request.getQueryString();
    String length = response.getHeader("Content-Length");
    long bytes = -1;
    if (length != null) {
      try {
        bytes = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        bytes = -1;
      }
    }
    accessLog.log(
        request.getRemoteAddr(),
        arrived,
        request.getMethod(),
        query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query,
        request.getProtocol(),
        response.getStatus(),
        bytes,
        request.getHeader("Referer"),
        request.getHeader("User-Agent"));
  }

  /** Logs an asynchronous request once, when it completes, times out or fails. */
  private final class LogWhenDone implements AsyncListener {
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final ZonedDateTime arrived;
    private final String id;
    private final String traceId;
    private final String spanId;
    private final AtomicBoolean logged = new AtomicBoolean();

    LogWhenDone(
        HttpServletRequest request,
        HttpServletResponse response,
        ZonedDateTime arrived,
        String id,
        String traceId,
        String spanId) {
      this.request = request;
      this.response = response;
      this.arrived = arrived;
      this.id = id;
      this.traceId = traceId;
      this.spanId = spanId;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      if (logged.compareAndSet(false, true)) {
        try (RequestIds.Scope ignored = RequestIds.restore(id, traceId, spanId)) {
          log(request, response, arrived);
        }
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {}

    @Override
    public void onError(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  /** The request as if the client had sent {@code x-request-id: id}. */
  private static final class WithRequestId extends HttpServletRequestWrapper {
    private final String id;

    WithRequestId(HttpServletRequest request, String id) {
      super(request);
      this.id = id;
    }

    @Override
    public String getHeader(String name) {
      return RequestIds.REQUEST_ID_HEADER.equalsIgnoreCase(name) ? id : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return RequestIds.REQUEST_ID_HEADER.equalsIgnoreCase(name)
          ? Collections.enumeration(List.of(id))
          : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
      List<String> names = Collections.list(super.getHeaderNames());
      if (names.stream().noneMatch(RequestIds.REQUEST_ID_HEADER::equalsIgnoreCase)) {
        names.add(RequestIds.REQUEST_ID_HEADER);
      }
      return Collections.enumeration(names);
    }
  }
}
