package io.servingkit.api;

/** Receiving one more request body would go over the server's {@link BodyBudget}; answered 503. */
final class BodyBudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BodyBudgetExceededException(long capacity) {
    super(
        "Request bodies being received would exceed max_request_bytes_in_flight of "
            + capacity
            + " bytes; try again later");
  }
}
