package io.servingkit;

/**
 * The model is scaled to zero workers, so nothing can serve it: DJL Serving's {@code WlmShutdownException}, answered
 * 503 with its message {@code All model workers has been shutdown: <model>}.
 */
public final class AllWorkersShutdownException extends ModelNotReadyException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure for {@code model}, worded as DJL Serving words it. */
  public AllWorkersShutdownException(String model) {
    super("All model workers has been shutdown: " + model);
  }
}
