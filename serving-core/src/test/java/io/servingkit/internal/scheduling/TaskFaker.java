package io.servingkit.internal.scheduling;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TaskRunner} for deterministic tests: tasks wait until the test runs them on its own thread, and time
 * moves only when the test advances it (delayed tasks then become due in order). Nothing runs concurrently, so a
 * test can look at the scheduler between any two steps.
 */
final class TaskFaker implements TaskRunner {
  private record Timed(long due, long seq, Runnable task) {}

  private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
  private final PriorityQueue<Timed> timed =
      new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void execute(Runnable task) {
    ready.add(task);
  }

  @Override
  public synchronized void schedule(Runnable task, long delayNanos) {
    timed.add(new Timed(now + delayNanos, seq++, task));
  }

  /** Tasks ready to run now. */
  synchronized int readyTasks() {
    return ready.size();
  }

  /** Moves the clock without running anything: a batch that takes this long. */
  synchronized void elapse(long amount, TimeUnit unit) {
    now += unit.toNanos(amount);
  }

  /** Runs ready tasks (and the ones they start) until none is left; delayed tasks wait for {@link #advance}. */
  void runUntilIdle() {
    while (true) {
      Runnable next;
      synchronized (this) {
        promoteDue();
        next = ready.poll();
      }
      if (next == null) {
        return;
      }
      next.run();
    }
  }

  /** Moves the clock forward, running every task that becomes due on the way, at its time. */
  void advance(long amount, TimeUnit unit) {
    long target;
    synchronized (this) {
      target = now + unit.toNanos(amount);
    }
    runUntilIdle();
    while (true) {
      synchronized (this) {
        Timed first = timed.peek();
        if (first == null || first.due > target) {
          now = target;
          break;
        }
        now = Math.max(now, first.due);
      }
      runUntilIdle();
    }
    runUntilIdle();
  }

  private void promoteDue() {
    while (!timed.isEmpty() && timed.peek().due <= now) {
      ready.add(timed.poll().task);
    }
  }
}
