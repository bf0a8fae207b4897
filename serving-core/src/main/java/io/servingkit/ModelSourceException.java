package io.servingkit;

/**
 * A model's source was refused before anything of it was loaded or kept: a URL with an unsupported scheme or one
 * the {@link RegistrationPolicy} does not allow, an archive that is malformed, escapes its folder or exceeds the
 * extraction limits, or custom code where the policy allows none. It is the caller's mistake, not the server's:
 * the REST API answers it with 400 and this message.
 */
public class ModelSourceException extends ModelLoadException {
  private static final long serialVersionUID = 1L;

  /** Creates the failure with a message that names the URL, entry or limit involved. */
  public ModelSourceException(String message) {
    super(message);
  }

  /** Creates the failure with a message and the underlying cause. */
  public ModelSourceException(String message, Throwable cause) {
    super(message, cause);
  }
}
