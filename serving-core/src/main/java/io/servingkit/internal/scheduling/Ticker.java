package io.servingkit.internal.scheduling;

/** A source of monotonic nanoseconds; the seam through which tests drive time. */
public interface Ticker {
  /** {@link System#nanoTime()}. */
  Ticker SYSTEM = System::nanoTime;

  /** Monotonic nanoseconds. */
  long nanoTime();
}
