package io.servingkit.api;

/** The request itself is wrong (a missing or malformed parameter); answered 400 with the message as reason. */
final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadRequestException(String message) {
    super(message);
  }

  BadRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
