package io.servingkit;

/** No model (or version) of that name is registered. */
public class ModelNotFoundException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public ModelNotFoundException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public ModelNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
