package io.servingkit;

/**
 * Receives scheduling events from a {@link ModelServer}: jobs queued, rejected, batched and finished, workers
 * started and stopped. Every method has a do-nothing default, so a listener overrides only what it needs.
 *
 * <p>Threading: methods are called on the caller's thread (queued, rejected) or on worker threads (everything
 * else), concurrently, and must return quickly. An exception thrown by a listener is logged and never affects
 * serving.
 */
public interface ServingListener {

  /** A job was admitted into the model's queue. */
  default void jobQueued(String model, String version) {}

  /** A job was refused because the model's queue was full. */
  default void jobRejected(String model, String version) {}

  /** A worker took a batch of {@code size} jobs from the queue. */
  default void batchStarted(String model, String version, int workerId, int size) {}

  /** A batch finished (successfully or not) after {@code inferenceNanos}. */
  default void batchFinished(
      String model, String version, int workerId, int size, long inferenceNanos, boolean success) {}

  /** A job completed successfully; {@code queueNanos} is its time in the queue. */
  default void jobCompleted(String model, String version, long queueNanos, long inferenceNanos) {}

  /** A job failed with {@code failure}. */
  default void jobFailed(String model, String version, Throwable failure) {}

  /** A worker started on {@code device}. */
  default void workerStarted(String model, String version, String device, int workerId) {}

  /** A worker stopped (retired when idle, replaced after a failure, or shut down). */
  default void workerStopped(String model, String version, String device, int workerId, String reason) {}
}
