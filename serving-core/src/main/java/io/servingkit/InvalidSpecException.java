package io.servingkit;

/** A model URL entry, serving.properties value or server setting is malformed; the message names the key and value. */
public class InvalidSpecException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public InvalidSpecException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public InvalidSpecException(String message, Throwable cause) {
    super(message, cause);
  }
}
