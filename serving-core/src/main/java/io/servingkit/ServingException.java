package io.servingkit;

/**
 * Base of every failure ServingKit reports: delivered on the futures returned by {@link ModelServer} and
 * mapped to an HTTP status and JSON body in exactly one table by the REST layer.
 *
 * <p>The hierarchy is small on purpose; each subclass names one situation a caller may want to handle.
 */
public abstract class ServingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected ServingException(String message) {
    super(message);
  }

  protected ServingException(String message, Throwable cause) {
    super(message, cause);
  }
}
