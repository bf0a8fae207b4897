package io.servingkit.internal.scheduling;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer observations of a model's jobs: {@value #QUEUE} from admission until a worker takes the job, and
 * {@value #INFERENCE} while the worker runs it. Both are children of the observation that was current on the
 * submitting thread (for a web request, the server's), so that with Micrometer Tracing they become child spans
 * of the request's span. A no-op registry (the default) costs one check per job and records nothing. A handler
 * that throws is logged and never fails the job.
 *
 * <p>Threading: a job's observations are touched only by whoever holds the job (the submitter, the pool under its
 * lock, then the thread running its batch).
 */
final class JobObservations {
  private static final Logger LOG = LoggerFactory.getLogger(JobObservations.class);
  /** Name of the observation (span) of a job's wait in the queue. */
  static final String QUEUE = "servingkit.queue";
  /** Name of the observation (span) of a job's run on a worker, its batch included. */
  static final String INFERENCE = "servingkit.inference";

  private final ObservationRegistry registry;
  private final String model;
  private final String version;

  JobObservations(ObservationRegistry registry, String model, String version) {
    this.registry = registry;
    this.model = model;
    this.version = version == null ? "" : version;
  }

  /** On the submitting thread: remembers the current observation as the job's parent and starts its queue wait. */
  void submitted(Job job) {
    if (registry.isNoop()) {
      return;
    }
    job.parentObservation = registry.getCurrentObservation();
    job.waiting = start(QUEUE, job.parentObservation, 0);
  }

  /** A job goes back to the queue (its worker died and it runs again): its inference ends, a new wait starts. */
  void requeued(Job job, Throwable death) {
    if (registry.isNoop()) {
      return;
    }
    stop(job.running, death);
    job.running = null;
    job.waiting = start(QUEUE, job.parentObservation, 0);
  }

  /** On the thread about to run {@code batch}: ends the jobs' queue waits and starts their inference. */
  void batchStarting(List<Job> batch) {
    if (registry.isNoop()) {
      return;
    }
    for (Job job : batch) {
      stop(job.waiting, null);
      job.waiting = null;
      job.running = start(INFERENCE, job.parentObservation, batch.size());
    }
  }

  /**
   * Makes a lone job's inference the current observation on this thread while its model runs (so that what the
   * model logs or observes belongs to it); null for a batch of several jobs or when nothing is recorded.
   */
  Observation.Scope open(List<Job> batch) {
    if (batch.size() != 1 || batch.get(0).running == null) {
      return null;
    }
    try {
      return batch.get(0).running.openScope();
    } catch (RuntimeException e) {
      LOG.warn("An observation handler failed opening the scope of {}", INFERENCE, e);
      return null;
    }
  }

  /** The job is answered or failed: ends whichever of its observations is open, with {@code failure} if any. */
  static void finished(Job job, Throwable failure) {
    stop(job.waiting, failure);
    job.waiting = null;
    stop(job.running, failure);
    job.running = null;
  }

  /**
   * Starts an observation; null (and a warning) when a handler fails: the application's handlers never stop a job.
   */
  private Observation start(String name, Observation parent, int batchSize) {
    try {
      Observation o =
          Observation.createNotStarted(name, registry)
              .parentObservation(parent)
              .lowCardinalityKeyValue("model", model)
              .lowCardinalityKeyValue("version", version);
      if (batchSize > 0) {
        o.highCardinalityKeyValue("batch_size", Integer.toString(batchSize));
      }
      return o.start();
    } catch (RuntimeException e) {
      LOG.warn("An observation handler failed starting {} of model {}", name, model, e);
      return null;
    }
  }

  private static void stop(Observation observation, Throwable failure) {
    if (observation == null) {
      return;
    }
    try {
      if (failure != null) {
        observation.error(failure);
      }
      observation.stop();
    } catch (RuntimeException e) {
      LOG.warn("An observation handler failed stopping {}", observation.getContext().getName(), e);
    }
  }
}
