package io.servingkit.api;

/** The server is shutting down and takes no new requests; answered 503. */
final class ServerShuttingDownException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ServerShuttingDownException() {
    super("Server is shutting down and takes no new requests");
  }
}
