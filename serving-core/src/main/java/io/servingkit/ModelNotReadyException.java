package io.servingkit;

/** The model exists but cannot serve now: still loading, failed, or scaled to zero workers. */
public class ModelNotReadyException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public ModelNotReadyException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public ModelNotReadyException(String message, Throwable cause) {
    super(message, cause);
  }
}
