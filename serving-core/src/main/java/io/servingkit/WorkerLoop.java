package io.servingkit;

import ai.djl.modality.Input;
import io.servingkit.spi.ModelWorker;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The loop of one worker thread: take a batch, run it, deliver each job's result, until stopped or retired.
 *
 * <p>While the loop waits for jobs, a caller of {@link ModelServer#predictAndWait} may run one job on this worker
 * from its own thread ({@link #tryRunOnCaller}). {@link #use} makes sure that the worker runs one batch at a time
 * either way, and that it is closed only after the last one.
 */
final class WorkerLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
  private static final long MAX_POLL_NANOS = TimeUnit.SECONDS.toNanos(1);

  final int id;
  final Instant startTime = Instant.now();
  final CompletableFuture<Void> done = new CompletableFuture<>();
  private final WorkerPool pool;
  private final WorkerGroup group;
  private final ModelWorker worker;
  /** Held by whoever runs the worker: the loop thread for a batch, or a caller for its one job. */
  private final ReentrantLock use = new ReentrantLock();
  private volatile boolean stopped;
  private volatile boolean busy;
  private volatile Thread thread;
  /** Set when a caller's job found the worker broken: the loop ends as failed and is replaced. */
  private volatile boolean failedOnCaller;
  private volatile long lastActive;

  WorkerLoop(int id, WorkerPool pool, WorkerGroup group, ModelWorker worker) {
    this.id = id;
    this.pool = pool;
    this.group = group;
    this.worker = worker;
  }

  boolean isBusy() {
    return busy;
  }

  /**
   * Runs {@code job} on the calling thread if this worker is idle, exactly as a batch of one taken from the queue:
   * the same listener events, delivery and failure handling. Returns false, having done nothing, when the worker is
   * busy or stopping, or when {@code inProcessOnly} and its worker waits on something outside this JVM. A job whose
   * worker died goes back to the queue as {@code retry_on_crash} says, and this loop ends so that the worker is
   * replaced.
   */
  boolean tryRunOnCaller(Job job, boolean inProcessOnly) {
    if (stopped || busy || (inProcessOnly && !worker.runsInProcess()) || !use.tryLock()) {
      return false;
    }
    boolean healthy;
    try {
      if (stopped) {
        return false;
      }
      busy = true;
      healthy = runBatch(List.of(job));
      lastActive = pool.ticker.nanoTime();
      if (!healthy) {
        // before the lock is released: the loop thread may already hold the job requeued by runBatch
        failedOnCaller = true;
        stopped = true;
      }
    } finally {
      busy = false;
      use.unlock();
    }
    if (!healthy) {
      Thread t = thread;
      if (t != null) {
        t.interrupt(); // wakes the loop from its wait; it ends as failed
      }
    }
    return true;
  }

  /** Asks the loop to stop after its current batch; interrupts it if it is only waiting for jobs. */
  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null && !busy) {
      t.interrupt();
    }
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    String oldName = thread.getName();
    thread.setName("servingkit-" + pool.model + "-worker-" + id);
    String reason = "stopped";
    lastActive = pool.ticker.nanoTime();
    try {
      while (!stopped) {
        long idle = pool.ticker.nanoTime() - lastActive;
        long poll = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(MAX_POLL_NANOS, pool.maxIdleNanos - idle));
        List<Job> batch;
        try {
          batch = pool.batcher.next(pool.batchSize, pool.maxBatchDelayNanos, poll);
        } catch (InterruptedException e) {
          continue; // stop() interrupts only an idle loop; the flag decides
        }
        if (batch.isEmpty()) {
          if (pool.ticker.nanoTime() - lastActive >= pool.maxIdleNanos && group.tryRetire(this)) {
            reason = "idle";
            return;
          }
          continue;
        }
        if (!use.tryLock()) {
          // a caller borrowed this worker while the loop waited: give the batch back to the head of the queue
          // (another idle worker may take it, and it is counted as queued), let the caller finish, look again
          pool.requeue(batch);
          use.lock();
          use.unlock();
          continue;
        }
        busy = true;
        try {
          if (failedOnCaller) {
            pool.requeue(batch); // the worker broke under a caller's job: let its replacement run these
            return;
          }
          if (!runBatch(batch)) {
            reason = "failed";
            return;
          }
        } finally {
          busy = false;
          use.unlock();
          Thread.interrupted(); // an interrupt aimed at an idle loop must not leak into the next wait
        }
        lastActive = pool.ticker.nanoTime();
      }
    } finally {
      stopped = true; // also when retired: a caller that still holds this loop must not start a job on it
      if (failedOnCaller) {
        reason = "failed";
      }
      group.remove(this);
      use.lock(); // no caller starts once stopped is set or the loop has left the group; wait for a running one
      try {
        worker.close();
      } catch (RuntimeException e) {
        LOG.warn("Closing worker {} of model {} failed", id, pool.model, e);
      } finally {
        use.unlock();
      }
      pool.listener.workerStopped(pool.model, pool.version, group.deviceName, id, reason);
      thread.setName(oldName);
      thread = null;
      done.complete(null);
      if (reason.equals("failed")) {
        pool.replaceWorker(group);
      }
    }
  }

  /** Runs one batch and delivers its results. Returns false when the worker must be replaced. */
  private boolean runBatch(List<Job> batch) {
    Map<String, String> saved = MDC.getCopyOfContextMap();
    setLogContext(batch);
    try {
      return runBatchLogged(batch);
    } finally {
      if (saved == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(saved);
      }
    }
  }

  /**
   * The MDC of the batch's jobs while it runs: one job's as it is; for several jobs, each key's distinct values
   * joined with commas (every request id of the batch).
   */
  private static void setLogContext(List<Job> batch) {
    if (batch.size() == 1) {
      Map<String, String> context = batch.get(0).logContext;
      if (context != null) {
        MDC.setContextMap(context);
      }
      return;
    }
    Map<String, LinkedHashSet<String>> merged = new LinkedHashMap<>();
    for (Job job : batch) {
      if (job.logContext != null) {
        job.logContext.forEach((k, v) -> merged.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
      }
    }
    merged.forEach((k, values) -> MDC.put(k, String.join(",", values)));
  }

  private boolean runBatchLogged(List<Job> batch) {
    int size = batch.size();
    pool.listener.batchStarted(pool.model, pool.version, id, size);
    List<Object> inputs = new ArrayList<>(size);
    for (Job job : batch) {
      inputs.add(job.input);
    }
    long start = pool.ticker.nanoTime();
    List<?> outputs;
    try {
      outputs = worker.predict(asInputs(inputs));
    } catch (Throwable t) {
      long took = pool.ticker.nanoTime() - start;
      pool.recordBatch(took);
      pool.listener.batchFinished(pool.model, pool.version, id, size, took, false);
      return handleFailure(batch, t);
    }
    long took = pool.ticker.nanoTime() - start;
    pool.recordBatch(took);
    pool.listener.batchFinished(pool.model, pool.version, id, size, took, true);
    if (outputs == null || outputs.size() != size) {
      BadInputException e =
          new BadInputException(
              "Batch output size mismatch, expected: "
                  + size
                  + ", actual: "
                  + (outputs == null ? 0 : outputs.size()));
      for (Job job : batch) {
        pool.fail(job, e);
      }
      return worker.isAlive();
    }
    group.lock.lock();
    try {
      group.consecutiveFailures = 0;
    } finally {
      group.lock.unlock();
    }
    for (int i = 0; i < size; i++) {
      Job job = batch.get(i);
      pool.listener.jobCompleted(pool.model, pool.version, start - job.enqueuedNanos, took);
      pool.complete(job, outputs.get(i));
    }
    return true;
  }

  /**
   * The batch as the worker's parameter type. Mode workers get DJL {@code Input}s; a {@link TypedModel}'s worker
   * gets its own type through the same erased list.
   */
  @SuppressWarnings("unchecked")
  private static List<Input> asInputs(List<Object> inputs) {
    return (List<Input>) (List<?>) inputs;
  }

  private boolean handleFailure(List<Job> batch, Throwable t) {
    boolean alive = worker.isAlive();
    if (t instanceof ServingException && !(t instanceof WorkerDiedException) && alive) {
      for (Job job : batch) {
        pool.fail(job, t);
      }
      return true;
    }
    ServingException failure =
        t instanceof ServingException
            ? (ServingException) t
            : new WorkerDiedException("Worker " + id + " of model " + pool.model + " failed: " + t, t, true);
    if (!(t instanceof ServingException)) {
      LOG.warn("Worker {} of model {} failed; replacing it", id, pool.model, t);
    }
    for (Job job : batch) {
      pool.retryOrFail(job, failure);
    }
    return false;
  }
}
