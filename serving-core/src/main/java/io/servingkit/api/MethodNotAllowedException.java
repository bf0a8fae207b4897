package io.servingkit.api;

/** The path exists but not for this HTTP method; answered 405. */
final class MethodNotAllowedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MethodNotAllowedException() {
    super("Requested method is not allowed, please refer to API document.");
  }
}
