package io.servingkit.api;

/** The request body is larger than {@code max_request_size}; answered 413. */
final class RequestTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RequestTooLargeException(long maxRequestSize) {
    super("Request body exceeds max_request_size of " + maxRequestSize + " bytes");
  }
}
