package io.servingkit;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import java.util.concurrent.CompletableFuture;

/** One prediction request waiting in, or taken from, a model's queue. */
final class Job {
  final Input input;
  final CompletableFuture<Output> future = new CompletableFuture<>();
  final long enqueuedNanos;
  boolean retried;

  Job(Input input, long enqueuedNanos) {
    this.input = input;
    this.enqueuedNanos = enqueuedNanos;
  }
}
