package io.servingkit.internal.scheduling;

import io.servingkit.spi.ModelWorker;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One worker of a model: a {@link ModelWorker} and whether it is busy. It has no thread of its own: whichever
 * thread holds it (a caller, or a pooled thread) runs its batches, one at a time.
 */
final class Worker {
  final int id;
  final WorkerGroup group;
  final ModelWorker model;
  final Instant startTime = Instant.now();
  /** Completes once the worker is closed. */
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  /** Held by a thread (running or about to run a batch); false while in the pool's idle stack. */
  volatile boolean busy = true;
  /** Asked to stop after its batch (scaled down); guarded by the pool's lock. */
  boolean retiring;
  /** When it last went idle; guarded by the pool's lock. */
  long idleSince;

  Worker(int id, WorkerGroup group, ModelWorker model) {
    this.id = id;
    this.group = group;
    this.model = model;
  }
}
