package io.servingkit;

/** The worker running the job died (crash, killed process) before answering. */
public class WorkerDiedException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public WorkerDiedException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public WorkerDiedException(String message, Throwable cause) {
    super(message, cause);
  }
}
