package io.servingkit.examples.walkthrough;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares a demo's output with its expected output: text exactly, decimal numbers ({@code 0.15}, {@code -1.0},
 * {@code 1.02E-4}) within a relative tolerance, since float results may differ in their last digits from one CPU
 * to another. Integers are text, so a port, a count or a status code must match exactly.
 */
final class OutputComparison {
  /** Relative tolerance for decimal numbers. */
  static final double RELATIVE = 1e-4;
  /** Absolute slack for decimals near zero ({@code 0.0} against {@code 3.0E-9}). */
  static final double ABSOLUTE = 1e-7;

  private static final Pattern DECIMAL =
      Pattern.compile("(?<![\\w.])-?\\d+\\.\\d+(?:[eE][-+]?\\d+)?(?![\\w.])|(?<![\\w.])-?\\d+[eE][-+]?\\d+(?![\\w.])");
  private static final String SLOT = "\u0000";

  private OutputComparison() {}

  /** The first difference between {@code expected} and {@code actual}, or empty when they agree. */
  static Optional<String> difference(String expected, String actual) {
    List<String> expectedNumbers = new ArrayList<>();
    List<String> actualNumbers = new ArrayList<>();
    String[] expectedLines = skeleton(expected, expectedNumbers).split("\n", -1);
    String[] actualLines = skeleton(actual, actualNumbers).split("\n", -1);
    int e = 0;
    int a = 0;
    for (int line = 0; line < Math.max(expectedLines.length, actualLines.length); line++) {
      String want = line < expectedLines.length ? expectedLines[line] : "<end of output>";
      String got = line < actualLines.length ? actualLines[line] : "<end of output>";
      if (!want.equals(got)) {
        return Optional.of(describe(line, expected, actual, "text differs"));
      }
      for (int slot = want.indexOf(SLOT); slot >= 0; slot = want.indexOf(SLOT, slot + 1)) {
        String x = expectedNumbers.get(e++);
        String y = actualNumbers.get(a++);
        if (!close(Double.parseDouble(x), Double.parseDouble(y))) {
          return Optional.of(describe(line, expected, actual, y + " is not within " + RELATIVE + " of " + x));
        }
      }
    }
    return Optional.empty();
  }

  static boolean close(double x, double y) {
    return Math.abs(x - y) <= RELATIVE * Math.max(Math.abs(x), Math.abs(y)) + ABSOLUTE;
  }

  private static String skeleton(String text, List<String> numbers) {
    Matcher m = DECIMAL.matcher(text.replace(SLOT, "\\0"));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      numbers.add(m.group());
      m.appendReplacement(out, SLOT);
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String describe(int line, String expected, String actual, String what) {
    return "line "
        + (line + 1)
        + ": "
        + what
        + "\n  expected: "
        + lineOf(expected, line)
        + "\n  actual:   "
        + lineOf(actual, line);
  }

  private static String lineOf(String text, int line) {
    String[] lines = text.split("\n", -1);
    return line < lines.length ? lines[line] : "<end of output>";
  }
}
