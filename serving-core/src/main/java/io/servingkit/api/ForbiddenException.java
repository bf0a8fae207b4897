package io.servingkit.api;

/** The request is refused whatever its credentials (an Origin the management API does not allow); answered 403. */
final class ForbiddenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ForbiddenException(String message) {
    super(message);
  }
}
