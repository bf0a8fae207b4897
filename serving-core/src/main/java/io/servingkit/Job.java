package io.servingkit;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.MDC;

/**
 * One prediction request waiting in, or taken from, a model's queue. The input is a DJL {@code Input} for models
 * served by a mode, or the caller's own type for a {@link TypedModel}; the pool never looks inside.
 */
final class Job {
  final Object input;
  final CompletableFuture<Object> future = new CompletableFuture<>();
  final long enqueuedNanos;
  /** The submitter's MDC (request id, trace), or null: the worker logs with it while running this job. */
  final Map<String, String> logContext = MDC.getCopyOfContextMap();
  boolean retried;

  Job(Object input, long enqueuedNanos) {
    this.input = input;
    this.enqueuedNanos = enqueuedNanos;
  }
}
