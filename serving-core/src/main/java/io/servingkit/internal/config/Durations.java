package io.servingkit.internal.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as configuration text: a whole number in the key's own unit, as DJL Serving writes it
 * ({@code max_batch_delay=100} is milliseconds, {@code max_idle_time=60} seconds), or a whole number with a unit
 * ({@code 500us}, {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 1000ns}) so that any value survives
 * a trip through properties without rounding.
 *
 * <p>Threading: stateless.
 */
public final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([a-zµ]*)");
  private static final Map<String, ChronoUnit> UNITS =
      Map.of(
          "ns", ChronoUnit.NANOS,
          "us", ChronoUnit.MICROS,
          "µs", ChronoUnit.MICROS,
          "ms", ChronoUnit.MILLIS,
          "s", ChronoUnit.SECONDS,
          "m", ChronoUnit.MINUTES,
          "min", ChronoUnit.MINUTES,
          "h", ChronoUnit.HOURS);

  private Durations() {}

  /**
   * Parses {@code text}: digits, then optionally a unit ({@code ns us ms s m h}); without a unit, in
   * {@code bareUnit}.
   *
   * @throws IllegalArgumentException with the reason (without key or value) when malformed, negative or too large
   */
  public static Duration parse(String text, ChronoUnit bareUnit) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.startsWith("-")) {
      throw new IllegalArgumentException("must not be negative");
    }
    Matcher m = FORM.matcher(t);
    ChronoUnit unit = m.matches() ? (m.group(2).isEmpty() ? bareUnit : UNITS.get(m.group(2))) : null;
    if (unit == null) {
      throw new IllegalArgumentException(
          "not a duration: a whole number of " + name(bareUnit) + ", or a whole number with a unit (ns, us, ms, s, m, h)");
    }
    try {
      return Duration.of(Long.parseLong(m.group(1)), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("too large");
    }
  }

  /** The shortest exact text for {@code d}: {@code 60s}, {@code 500ms}, {@code 1500us}, {@code 7ns}. */
  public static String format(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("must not be negative");
    }
    if (d.getNano() == 0) {
      return d.getSeconds() + "s";
    }
    long nanos = d.toNanos(); // a duration with a fraction of a second that does not fit in long nanos is absurd
    if (nanos % 1_000_000 == 0) {
      return nanos / 1_000_000 + "ms";
    }
    if (nanos % 1_000 == 0) {
      return nanos / 1_000 + "us";
    }
    return nanos + "ns";
  }

  /** {@code milliseconds}, {@code seconds}, ... */
  public static String name(ChronoUnit unit) {
    return switch (unit) {
      case NANOS -> "nanoseconds";
      case MICROS -> "microseconds";
      case MILLIS -> "milliseconds";
      default -> unit.toString().toLowerCase(Locale.ROOT);
    };
  }
}
