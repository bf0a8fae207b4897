package io.servingkit.internal.scheduling;

import io.micrometer.observation.Observation;
import java.util.concurrent.CompletableFuture;

/**
 * One prediction request, queued or running. The input is a DJL {@code Input} for models served by a mode, or the
 * caller's own type for a typed model; the pool never looks inside.
 */
final class Job {
  final Object input;
  final CompletableFuture<Object> future = new CompletableFuture<>();
  final long enqueuedNanos;
  /** The submitter's MDC (request id, trace), or null: the worker logs with it while running this job. */
  final java.util.Map<String, String> logContext = org.slf4j.MDC.getCopyOfContextMap();
  /** The observation current where the job was submitted (a web request's), or null. */
  Observation parentObservation;
  /** The job's open queue-wait observation, or null ({@link JobObservations}). */
  Observation waiting;
  /** The job's open inference observation, or null ({@link JobObservations}). */
  Observation running;
  /** Set when the job was running on a worker that died: it runs once more, alone. Guarded by the pool's lock. */
  boolean retried;
  /** Set when the batch window that this job opened has closed. Guarded by the pool's lock. */
  boolean windowClosed;

  Job(Object input, long enqueuedNanos) {
    this.input = input;
    this.enqueuedNanos = enqueuedNanos;
  }
}
