package io.servingkit;

/**
 * The worker running the job died (crash, killed process) before answering.
 *
 * <p>{@link #isRetryable()} tells a scheduler whether the job may run again on another worker: true when the
 * worker died without delivering any part of an answer, so a second run cannot duplicate or corrupt output.
 * Whether it does retry (for example only with {@code option.retry_on_crash=true}, and at most once) is the
 * scheduler's policy.
 */
public class WorkerDiedException extends ServingException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /** Creates the failure with a message that names the model, key or value involved; not retryable. */
  public WorkerDiedException(String message) {
    this(message, null, false);
  }

  /** Creates the failure with a message and the underlying cause; not retryable. */
  public WorkerDiedException(String message, Throwable cause) {
    this(message, cause, false);
  }

  /**
   * Creates the failure.
   *
   * @param message what died and when, naming the model and worker
   * @param cause the underlying cause, or null
   * @param retryable whether the job may run again on another worker (no part of an answer was delivered)
   */
  public WorkerDiedException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** Whether the job may run again on another worker: the dead worker delivered no part of an answer. */
  public boolean isRetryable() {
    return retryable;
  }
}
