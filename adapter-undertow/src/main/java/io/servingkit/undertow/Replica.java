package io.servingkit.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The standalone server's life as a replica behind a load balancer: STARTING (listening, startup models
 * loading), READY, DRAINING (SIGTERM arrived: readiness is false, new requests are still served so that the
 * balancer can take the replica out first) and REFUSING (new requests get 503, requests in flight finish).
 *
 * <p>Each listener is fronted by a {@link Gate}. The two process-level health paths are core's answer
 * ({@link io.servingkit.api.OpenInference}: live always, ready when every startup model is READY and the replica
 * {@link #takingTraffic() takes traffic}, i.e. is READY), in every state and never refused or counted as in flight;
 * only while STARTING, before core exists, the gate gives the same answers itself: {@code GET /v2/health/live} 200
 * {@code {"live":true}}, {@code GET /v2/health/ready} 400 {@code {"ready":false}}. {@code /ping} is 503 while not
 * READY and DJL's per-model answer while READY. Any other request is 503 (JSON, {@code Connection: close}) while
 * STARTING or REFUSING.
 *
 * <p>Threading: the state is read by IO threads and moved forward by the starting thread and the shutdown
 * hook; it only moves forward. A request counts as in flight from the moment it passes the gate until its
 * exchange completes; it increments the count before reading the state, and {@link #refuseAndAwaitIdle} sets
 * the state before reading the count, so a request is either refused or waited for.
 */
final class Replica {

  enum State {
    STARTING,
    READY,
    DRAINING,
    REFUSING
  }

  static final String LIVE = "/v2/health/live";
  static final String READY = "/v2/health/ready";

  private volatile State state = State.STARTING;
  private final AtomicInteger inFlight = new AtomicInteger();

  State state() {
    return state;
  }

  /** Whether the replica takes traffic (READY): core's readiness is false otherwise. */
  boolean takingTraffic() {
    return state == State.READY;
  }

  /** STARTING to READY; a replica already draining stays draining. */
  void ready() {
    advance(State.READY);
  }

  /** Readiness turns false; requests are still taken. */
  void draining() {
    advance(State.DRAINING);
  }

  /**
   * New requests are refused from now on; waits up to {@code bound} for those in flight to finish.
   *
   * @return whether none is left in flight
   */
  boolean refuseAndAwaitIdle(Duration bound) throws InterruptedException {
    advance(State.REFUSING);
    long deadline = System.nanoTime() + bound.toNanos();
    while (inFlight.get() > 0) {
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Requests in flight now. */
  int inFlight() {
    return inFlight.get();
  }

  private synchronized void advance(State next) {
    if (next.compareTo(state) > 0) {
      state = next;
    }
  }

  /** A new gate in front of one listener; it serves nothing but health until {@link Gate#open} is called. */
  Gate gate() {
    return new Gate();
  }

  /** The handler in front of one listener. */
  final class Gate implements HttpHandler {
    private volatile ServingHandler serving;

    /** Hands requests that pass to {@code handler} from now on. */
    void open(ServingHandler handler) {
      serving = handler;
    }

    /** The raw answer to a request Undertow cannot parse: the API's JSON 400 once open. */
    byte[] unparsableRequestAnswer() {
      ServingHandler handler = serving;
      if (handler != null) {
        return handler.unparsableRequestAnswer();
      }
      String body = "{\"code\":400,\"type\":\"BadRequestException\",\"message\":\"Malformed HTTP request\"}";
      return ("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
              + "\r\nConnection: close\r\n\r\n" + body)
          .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
      String path = exchange.getRelativePath();
      ServingHandler handler = serving;
      if (LIVE.equals(path) || READY.equals(path)) {
        if (handler != null) {
          handler.handleRequest(exchange);
        } else if (LIVE.equals(path)) {
          write(exchange, 200, "{\"live\":true}");
        } else {
          write(exchange, 400, "{\"ready\":false}");
        }
        return;
      }
      State now = state;
      if (now == State.STARTING || handler == null) {
        refuse(exchange, now == State.STARTING ? "Server is starting: startup models are loading"
            : "Server is shutting down and takes no new requests");
        return;
      }
      if ("/ping".equals(path) && now != State.READY) {
        handler.refuseShuttingDown(exchange);
        return;
      }
      inFlight.incrementAndGet();
      if (state == State.REFUSING) {
        inFlight.decrementAndGet();
        handler.refuseShuttingDown(exchange);
        return;
      }
      exchange.addExchangeCompleteListener(
          (done, next) -> {
            inFlight.decrementAndGet();
            next.proceed();
          });
      handler.handleRequest(exchange);
    }

    private void refuse(HttpServerExchange exchange, String message) {
      exchange.setPersistent(false);
      write(exchange, 503, "{\"code\":503,\"type\":\"ServiceUnavailableException\",\"message\":\"" + message + "\"}");
    }

    private void write(HttpServerExchange exchange, int status, String json) {
      exchange.setStatusCode(status);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
      exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache, no-store, must-revalidate");
      exchange.getResponseSender().send(json, StandardCharsets.UTF_8);
    }
  }
}
