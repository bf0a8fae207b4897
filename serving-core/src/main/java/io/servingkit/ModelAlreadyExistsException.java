package io.servingkit;

/** A model of that name and version is already registered. */
public class ModelAlreadyExistsException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public ModelAlreadyExistsException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public ModelAlreadyExistsException(String message, Throwable cause) {
    super(message, cause);
  }
}
