package io.servingkit.internal.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Parsers of configuration text. Each throws {@link IllegalArgumentException} whose message is the reason alone
 * ({@code not a whole number}); the caller adds the key, the value and where it came from.
 *
 * <p>Threading: stateless.
 */
public final class Values {

  private Values() {}

  /** A whole number in {@code [min, max]}. */
  public static long whole(String text, long min, long max) {
    long n;
    try {
      n = Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a whole number");
    }
    if (n < min) {
      throw new IllegalArgumentException("must be at least " + min);
    }
    if (n > max) {
      throw new IllegalArgumentException("must be at most " + max);
    }
    return n;
  }

  /** {@code true} or {@code false}, any case. */
  public static boolean bool(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("true")) {
      return true;
    }
    if (t.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("not a boolean (true or false)");
  }

  /** One of {@code choices}, any case; returns the choice's spelling. */
  public static String choice(String text, List<String> choices) {
    for (String c : choices) {
      if (c.equalsIgnoreCase(text.strip())) {
        return c;
      }
    }
    throw new IllegalArgumentException("expected " + String.join(", ", choices.subList(0, choices.size() - 1))
        + " or " + choices.get(choices.size() - 1));
  }

  /** A file-system path, or a {@code file:} URL. */
  public static Path path(String text) {
    try {
      return text.startsWith("file:") ? Path.of(URI.create(text)) : Path.of(text);
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new IllegalArgumentException("not a path: " + e.getMessage());
    }
  }
}
