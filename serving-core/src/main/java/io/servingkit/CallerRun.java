package io.servingkit;

/** Whether a job may run on the thread that submits it instead of waiting for a worker thread to take it. */
enum CallerRun {
  /** Always queued ({@link ModelServer#predict}). */
  NEVER,
  /** On the caller when a worker is idle, however long it takes ({@link ModelServer#predictAndWait}). */
  WHEN_IDLE,
  /**
   * On the caller when a worker is idle, the worker runs in this JVM, the model's recent batches were quick and
   * no other job of the model is in flight ({@link ModelServer#predictOnEventLoop}).
   */
  WHEN_QUICK
}
