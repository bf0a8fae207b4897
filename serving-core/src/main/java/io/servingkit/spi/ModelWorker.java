package io.servingkit.spi;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import java.util.List;

/**
 * Runs batches of jobs. Exactly one thread uses a worker at a time.
 *
 * <p>Failures: throwing from {@link #predict} fails every job of the batch. A {@link io.servingkit.ServingException}
 * is delivered as is (for example {@link io.servingkit.BadInputException} for malformed input, or
 * {@link io.servingkit.WorkerDiedException} when the backing process died, after which the server replaces the
 * worker); any other exception is treated as a worker failure and the worker is replaced.
 */
public interface ModelWorker extends AutoCloseable {

  /**
   * Runs one batch.
   *
   * @param batch one or more inputs, in arrival order
   * @return exactly one output per input, in the same order
   */
  List<Output> predict(List<Input> batch) throws Exception;

  /** Whether the worker can still take batches; a dead Python process answers false at once. */
  default boolean isAlive() {
    return true;
  }

  /** Releases the worker's resources (predictor, process). Idempotent. */
  @Override
  void close();
}
