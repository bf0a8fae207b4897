package io.servingkit.api;

/** No endpoint of the enabled groups serves this path; answered 404. */
final class ResourceNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ResourceNotFoundException() {
    super("Requested resource is not found, please refer to API document.");
  }
}
