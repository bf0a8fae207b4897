package io.servingkit;

/** The lifecycle state of a registered model version. */
public enum ModelStatus {
  /** Registered, still loading (archive extraction, engine load, first workers starting). */
  PENDING,
  /** Loaded; workers serve jobs. */
  READY,
  /** Loading failed, or workers kept dying past {@code retry_threshold}. */
  FAILED
}
