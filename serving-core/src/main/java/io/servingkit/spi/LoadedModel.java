package io.servingkit.spi;

/**
 * One loaded copy of a model on one device. Creates the workers that run jobs on it.
 *
 * <p>Threading: {@link #newWorker} may be called from several threads; {@link #close} is called once, after
 * every worker it made has been closed.
 */
public interface LoadedModel extends AutoCloseable {

  /**
   * Creates a worker. Java modes create a DJL predictor; the Python mode starts a process and waits until its
   * initialisation call answered.
   *
   * @param workerId id of the worker within the model, unique for the model's lifetime
   */
  ModelWorker newWorker(int workerId) throws Exception;

  /**
   * The tensors the model takes and answers, for the Open Inference Protocol's model metadata and for matching
   * request inputs to the model's by name. Empty lists when unknown (the default).
   */
  default io.servingkit.ModelSignature signature() {
    return new io.servingkit.ModelSignature(java.util.List.of(), java.util.List.of());
  }

  /** Releases the model copy (native memory, files). Idempotent. */
  @Override
  void close();
}
