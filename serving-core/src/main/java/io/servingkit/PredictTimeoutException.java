package io.servingkit;

/** The job did not finish within the model's predict timeout. */
public class PredictTimeoutException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public PredictTimeoutException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public PredictTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
