package io.servingkit.python;

import java.util.ArrayDeque;

/** The last lines a process printed, kept to explain a failure. Thread-safe. */
final class OutputTail {
  private final int maxLines;
  private final ArrayDeque<String> lines = new ArrayDeque<>();

  OutputTail(int maxLines) {
    this.maxLines = maxLines;
  }

  synchronized void add(String line) {
    if (lines.size() == maxLines) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  /** The kept lines joined by newlines, or {@code (no output)}. */
  synchronized String text() {
    return lines.isEmpty() ? "(no output)" : String.join("\n", lines);
  }
}
