package io.servingkit;

/** The model could not be loaded: bad folder or archive, undetectable engine, missing file, failing translator. */
public class ModelLoadException extends ServingException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the model, key or value involved. */
  public ModelLoadException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
