package io.servingkit;

/** A user handler (for example a Python handle function) raised an error while processing the job. */
public class HandlerFailureException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public HandlerFailureException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public HandlerFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
