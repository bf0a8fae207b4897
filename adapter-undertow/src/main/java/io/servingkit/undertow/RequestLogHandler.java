package io.servingkit.undertow;

import io.servingkit.api.AccessLog;
import io.servingkit.api.RequestIds;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * Gives every request an id and logs it, in front of any Undertow handler: the client's {@code x-request-id}
 * (a new UUID when it sent none or an unusable one, put into the request's headers for the handlers behind),
 * answered in the {@code x-request-id} response header; the id and the W3C {@code traceparent}'s trace in the
 * MDC while the next handler runs on this thread ({@link RequestIds}); and one {@link AccessLog} line when the
 * exchange completes (with the same MDC), unless the access log is null.
 *
 * <pre>{@code
 * Handlers.path().addPrefixPath("/ml", new RequestLogHandler(new ServingHandler(api), AccessLog.of("combined")));
 * }</pre>
 *
 * <p>Threading: stateless; safe on every IO and worker thread.
 */
public final class RequestLogHandler implements HttpHandler {

  private static final HttpString REQUEST_ID = HttpString.tryFromString(RequestIds.REQUEST_ID_HEADER);
  private static final HttpString TRACEPARENT = HttpString.tryFromString(RequestIds.TRACEPARENT_HEADER);
  private static final HttpString REFERER = HttpString.tryFromString("Referer");
  private static final HttpString USER_AGENT = HttpString.tryFromString("User-Agent");

  private final HttpHandler next;
  private final AccessLog accessLog;

  /**
   * @param next the handler that answers
   * @param accessLog the access log, or null for ids and MDC only
   */
  public RequestLogHandler(HttpHandler next, AccessLog accessLog) {
    this.next = Objects.requireNonNull(next, "next");
    this.accessLog = accessLog;
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    ZonedDateTime arrived = ZonedDateTime.now();
    String given = exchange.getRequestHeaders().getFirst(REQUEST_ID);
    String id = RequestIds.requestId(given);
    if (!id.equals(given)) {
      exchange.getRequestHeaders().put(REQUEST_ID, id);
    }
    String traceparent = exchange.getRequestHeaders().getFirst(TRACEPARENT);
    exchange.getResponseHeaders().put(REQUEST_ID, id);
    if (accessLog != null) {
      exchange.addExchangeCompleteListener(
          (ex, nextListener) -> {
            try (RequestIds.Scope ignored = RequestIds.enter(id, traceparent)) {
              log(ex, arrived);
            } finally {
              nextListener.proceed();
            }
          });
    }
    try (RequestIds.Scope ignored = RequestIds.enter(id, traceparent)) {
      next.handleRequest(exchange);
    }
  }

  private void log(HttpServerExchange exchange, ZonedDateTime arrived) {
    InetSocketAddress peer = exchange.getSourceAddress();
    String query = exchange.getQueryString();
    accessLog.log(
        peer == null ? null : peer.getAddress().getHostAddress(),
        arrived,
        exchange.getRequestMethod().toString(),
        query == null || query.isEmpty() ? exchange.getRequestURI() : exchange.getRequestURI() + "?" + query,
        exchange.getProtocol().toString(),
        exchange.getStatusCode(),
        exchange.getResponseBytesSent(),
        exchange.getRequestHeaders().getFirst(REFERER),
        exchange.getRequestHeaders().getFirst(USER_AGENT));
  }
}
