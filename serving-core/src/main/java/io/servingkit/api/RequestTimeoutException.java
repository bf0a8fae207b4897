package io.servingkit.api;

/** The client stopped sending its request before it was whole; answered 408 naming the timeout. */
final class RequestTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RequestTimeoutException(String message) {
    super(message);
  }
}
