package io.servingkit;

/** There is not enough memory to load the model or to run the job. */
public class NotEnoughMemoryException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public NotEnoughMemoryException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public NotEnoughMemoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
