package io.servingkit.binary;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelSpec;
import java.util.Locale;

/**
 * How requests become one model call ({@code batchifier} in serving.properties).
 *
 * <ul>
 *   <li>{@link #NONE}: each request's tensors go to the model as they are; one call per request.
 *   <li>{@link #STACK} (DJL Serving's default when {@code batch_size > 1}): requests send samples without a batch
 *       dimension; the model gets them stacked along a new first axis, and each request gets its slice of the output
 *       with that axis removed.
 *   <li>{@link #CONCAT} (Triton's style): each request keeps its own leading batch dimension; the model gets the
 *       requests concatenated along it, and each request gets back as many output rows as it sent.
 * </ul>
 */
enum BatchMode {
  NONE,
  STACK,
  CONCAT;

  /** The key that selects the mode. */
  static final String KEY = "batchifier";

  /**
   * The mode a spec asks for: {@code batchifier} if set, else {@link #STACK} when {@code batch_size > 1}, else
   * {@link #NONE}.
   *
   * @throws InvalidSpecException for an unknown {@code batchifier}
   */
  static BatchMode of(ModelSpec spec) {
    String value = spec.property(KEY).orElse(null);
    if (value == null) {
      return spec.batchSize() > 1 ? STACK : NONE;
    }
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "stack":
        return STACK;
      case "concat":
        return CONCAT;
      case "none":
        return NONE;
      default:
        throw new InvalidSpecException(KEY + "=" + value + ": unknown batchifier, expected stack, concat or none");
    }
  }
}
