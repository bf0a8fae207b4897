package io.servingkit;

/** The input could not be decoded or was rejected by the translator or handler as malformed. */
public class BadInputException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public BadInputException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
