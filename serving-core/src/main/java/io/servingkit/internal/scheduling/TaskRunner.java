package io.servingkit.internal.scheduling;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The threads and the clock of the scheduler: runs tasks on pooled threads, now or after a delay. The seam
 * through which tests drive the scheduler step by step on a fake clock.
 *
 * <p>Threading: every method may be called from any thread, also while holding a lock: none runs the task on the
 * calling thread.
 */
public interface TaskRunner {

  /** Monotonic nanoseconds. */
  long nanoTime();

  /** Runs {@code task} on a pooled thread soon. */
  void execute(Runnable task);

  /** Runs {@code task} on a pooled thread once {@code delayNanos} have passed. */
  void schedule(Runnable task, long delayNanos);

  /**
   * A runner on real threads: tasks run on {@code executor}; delayed ones wait on {@code timer}, then move to
   * {@code executor} so that a long task never holds the timer up. Tasks given after either was shut down are
   * dropped (the server is closing). Closes neither.
   */
  static TaskRunner of(ExecutorService executor, ScheduledExecutorService timer, Ticker ticker) {
    return new TaskRunner() {
      @Override
      public long nanoTime() {
        return ticker.nanoTime();
      }

      @Override
      public void execute(Runnable task) {
        try {
          executor.execute(task);
        } catch (RejectedExecutionException e) {
          // shutting down: nothing is left to run it for
        }
      }

      @Override
      public void schedule(Runnable task, long delayNanos) {
        try {
          timer.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // shutting down
        }
      }
    };
  }
}
