package io.servingkit;

/** The lifecycle state of a registered model version. */
public enum ModelStatus {
  /** Registered, still loading (archive extraction, engine load, first workers starting). */
  PENDING,
  /** Loaded; workers serve jobs. */
  READY,
  /**
   * Loaded, but its workers died more than {@code retry_threshold} times in a row with no job served in between:
   * workers are restarted with backoff (1 s doubling to 60 s) and the model is READY again once one serves a job.
   * Jobs are still taken while a worker runs.
   */
  UNHEALTHY,
  /** Loading failed. */
  FAILED
}
