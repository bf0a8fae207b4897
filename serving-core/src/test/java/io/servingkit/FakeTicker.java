package io.servingkit;

import io.servingkit.internal.scheduling.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when the test says so. */
final class FakeTicker implements Ticker {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long nanoTime() {
    return now.get();
  }

  void advance(long amount, TimeUnit unit) {
    now.addAndGet(unit.toNanos(amount));
  }
}
