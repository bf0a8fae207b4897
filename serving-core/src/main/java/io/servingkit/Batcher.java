package io.servingkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Forms batches from a job queue: takes the first job, everything already queued, then waits for more until
 * the batch is full or {@code maxBatchDelay} has passed since the first job arrived.
 */
final class Batcher {
  private final BlockingDeque<Job> queue;
  private final Ticker ticker;

  Batcher(BlockingDeque<Job> queue, Ticker ticker) {
    this.queue = queue;
    this.ticker = ticker;
  }

  /**
   * Returns the next batch, or an empty list when no job arrived within {@code pollNanos}.
   *
   * @throws InterruptedException when the worker is stopped before it took any job
   */
  List<Job> next(int batchSize, long maxDelayNanos, long pollNanos) throws InterruptedException {
    Job first = queue.poll(pollNanos, TimeUnit.NANOSECONDS);
    if (first == null) {
      return List.of();
    }
    if (batchSize == 1) {
      return List.of(first);
    }
    List<Job> batch = new ArrayList<>(batchSize);
    batch.add(first);
    queue.drainTo(batch, batchSize - 1);
    long deadline = first.enqueuedNanos + maxDelayNanos;
    while (batch.size() < batchSize) {
      long remaining = deadline - ticker.nanoTime();
      if (remaining <= 0) {
        break;
      }
      Job next;
      try {
        next = queue.poll(remaining, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // jobs already taken must still run
        break;
      }
      if (next == null) {
        break;
      }
      batch.add(next);
      queue.drainTo(batch, batchSize - batch.size());
    }
    return batch;
  }
}
