package io.servingkit;

/** A source of monotonic nanoseconds; the seam through which tests drive time. */
interface Ticker {
  Ticker SYSTEM = System::nanoTime;

  long nanoTime();
}
