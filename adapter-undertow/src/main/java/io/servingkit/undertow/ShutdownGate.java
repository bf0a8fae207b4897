package io.servingkit.undertow;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.GracefulShutdownHandler;

/**
 * Counts the requests in flight (Undertow's {@link GracefulShutdownHandler}) and, once shut down, answers new
 * requests with the API's JSON 503 and {@code Connection: close} instead of Undertow's empty one.
 *
 * <p>Threading: any number of IO threads; {@link #shutdown} from any thread.
 */
final class ShutdownGate implements HttpHandler {

  private final ServingHandler serving;
  private final GracefulShutdownHandler graceful;
  private volatile boolean shuttingDown;

  ShutdownGate(ServingHandler serving) {
    this.serving = serving;
    this.graceful = new GracefulShutdownHandler(serving);
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) throws Exception {
    if (shuttingDown) {
      serving.refuseShuttingDown(exchange);
      return;
    }
    graceful.handleRequest(exchange);
  }

  /** Turns new requests away from now on. */
  void shutdown() {
    shuttingDown = true;
    graceful.shutdown();
  }

  /** Waits up to {@code millis} for the requests in flight; true when none is left. */
  boolean awaitShutdown(long millis) throws InterruptedException {
    return graceful.awaitShutdown(millis);
  }
}
