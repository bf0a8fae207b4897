package io.servingkit.api;

/** The request lacks the key token authorization asks for; answered 401 with a Bearer challenge. */
final class UnauthorizedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UnauthorizedException(String message) {
    super(message);
  }
}
