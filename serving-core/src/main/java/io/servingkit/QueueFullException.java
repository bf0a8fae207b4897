package io.servingkit;

/** The model's bounded job queue was full; the job was refused at once, never queued. */
public class QueueFullException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public QueueFullException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public QueueFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
