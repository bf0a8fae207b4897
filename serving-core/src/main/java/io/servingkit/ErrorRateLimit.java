package io.servingkit;

import io.servingkit.internal.config.Durations;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * How many failed inference answers of one kind a server tolerates within a window before {@code /ping} reports
 * it unhealthy: the value of the {@code error_rate_*} settings ({@link ServingConfig#ERROR_RATE_ANY} and its
 * siblings).
 *
 * <p>Written as DJL Serving writes its rate limits: {@code errors[/window]}, the window an ISO-8601 duration
 * ({@code 10/PT1M}) or ours ({@code 10/60s}, {@code 10/500ms}); without a window, one minute.
 *
 * @param errors failures allowed within one window; one more makes {@code /ping} answer 503 until the window ends
 * @param window the length of a window, positive
 */
public record ErrorRateLimit(int errors, Duration window) {

  /** The window when none is written: one minute, as DJL Serving. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  /** Checks the values. */
  public ErrorRateLimit {
    if (errors < 0) {
      throw new IllegalArgumentException("errors must be ≥ 0, was " + errors);
    }
    if (window == null || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, was " + window);
    }
  }

  /**
   * Reads {@code errors[/window]}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ErrorRateLimit parse(String text) {
    String s = text.strip();
    int slash = s.indexOf('/');
    String count = slash < 0 ? s : s.substring(0, slash).strip();
    int errors;
    try {
      errors = Integer.parseInt(count);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected errors[/window] such as 10/PT1M, got '" + text + "'");
    }
    if (slash < 0) {
      return new ErrorRateLimit(errors, DEFAULT_WINDOW);
    }
    String w = s.substring(slash + 1).strip();
    Duration window;
    try {
      window = w.regionMatches(true, 0, "P", 0, 1) ? Duration.parse(w) : Durations.parse(w, ChronoUnit.SECONDS);
    } catch (DateTimeParseException | IllegalArgumentException e) {
      throw new IllegalArgumentException("window '" + w + "' is not a duration (PT1M, 60s, 500ms)");
    }
    return new ErrorRateLimit(errors, window);
  }

  /** {@code errors/window}, the window in ISO-8601 ({@code 10/PT1M}): what {@link #parse} reads back. */
  @Override
  public String toString() {
    return errors + "/" + window;
  }
}
