package io.servingkit.internal.scheduling;

import ai.djl.modality.Input;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.servingkit.AllWorkersShutdownException;
import io.servingkit.BadInputException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelDescription;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotReadyException;
import io.servingkit.ModelSpec;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.QueueFullException;
import io.servingkit.ServingException;
import io.servingkit.ServingListener;
import io.servingkit.WorkerDiedException;
import io.servingkit.spi.ModelWorker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of one model version: one FIFO job queue shared by its worker groups (one per device), admission,
 * dynamic batching, scale-up, idle retirement, and self-healing (jobs of a dead worker retried alone, replacement
 * workers with backoff, model health).
 *
 * <p>Who runs a job: workers have no threads of their own. The thread that submits a job and finds a worker idle
 * takes the worker and runs the next batch itself when the model's recent batches were quick (under
 * {@link #QUICK_BATCH_NANOS}): a thread hand-off costs more than such a batch. It keeps running batches until its
 * own job is answered, then hands the worker to a pooled thread if more are ready. For a slower model the batch is
 * handed to a pooled thread at once, so that {@link #submit} returns without waiting for it. A thread that
 * finishes a batch takes the next ready one; a worker with nothing ready goes idle. A batch is ready when it is
 * full, when its first job has waited {@code max_batch_delay}, or at once for {@code batch_size=1}; a timer
 * closes the window when a worker is idle.
 *
 * <p>Threading: every method may be called from any thread. Decisions are made under the pool's lock; user code
 * (a worker's predict, create and close, listeners) runs outside it.
 */
public final class WorkerPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);

  /** A model whose recent batches took less than this on average runs on the submitting thread. */
  static final long QUICK_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  static final long FIRST_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** What the pool tells its model about health. */
  public interface Health {
    /** Workers died more than {@code retry_threshold} times in a row with no job served in between. */
    void unhealthy(String reason);

    /** A job was served again after the model was unhealthy. */
    void healthy();
  }

  private final String model;
  private final String version;
  private final TaskRunner runner;
  private final ServingListener listener;
  private final Health health;
  private final JobObservations observations;
  private final List<WorkerGroup> groups;
  private final int queueCapacity;
  private final int batchSize;
  private final long maxBatchDelayNanos;
  private final long maxIdleNanos;
  private final boolean retryOnCrash;
  private final int retryThreshold;
  private final AtomicInteger nextWorkerId = new AtomicInteger();
  /** Jobs admitted and not yet answered, queued or running: DJL counts running jobs against the capacity. */
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile long recentBatchNanos = -1;
  private volatile int queued;
  private volatile boolean anyDeaths;

  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock:
  private final ArrayDeque<Job> queue = new ArrayDeque<>();
  /** Idle workers, most recently used first: busy periods reuse warm workers and the coldest ones retire. */
  private final ArrayDeque<Worker> idle = new ArrayDeque<>();
  private boolean windowArmed;
  /** The job whose batch window the armed timer closes. */
  private Job windowHead;
  private boolean idleCheckArmed;
  private int consecutiveDeaths;
  private String unhealthyReason;
  private boolean closed;

  /**
   * A pool for the loaded {@code groups} of a model; nothing starts until {@link #start()}.
   *
   * @param spec the resolved spec: job_queue_size, batch_size, max_batch_delay, max_idle_time, retry_threshold,
   *     option.retry_on_crash
   * @param observations where the jobs' queue-wait and inference observations go ({@link JobObservations});
   *     {@code ObservationRegistry.NOOP} for none
   */
  public WorkerPool(
      String model,
      String version,
      ModelSpec spec,
      List<WorkerGroup> groups,
      TaskRunner runner,
      ServingListener listener,
      Health health,
      ObservationRegistry observations) {
    this.model = model;
    this.observations = new JobObservations(observations, model, version);
    this.version = version;
    this.groups = List.copyOf(groups);
    this.runner = runner;
    this.listener = listener;
    this.health = health;
    this.queueCapacity = spec.jobQueueSize();
    this.batchSize = spec.batchSize();
    this.maxBatchDelayNanos = spec.maxBatchDelay().toNanos();
    this.maxIdleNanos = spec.maxIdleTime().toNanos();
    this.retryOnCrash = spec.getBoolean("option.retry_on_crash", true);
    this.retryThreshold = spec.retryThreshold();
  }

  /**
   * Starts each group's minimum workers; the future completes when all are ready, or fails with the first
   * failure to start one (a {@link ServingException}).
   */
  public CompletableFuture<Void> start() {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (WorkerGroup group : groups) {
      while (group.reserveStart(true)) {
        CompletableFuture<Void> one = new CompletableFuture<>();
        started.add(one);
        runner.execute(
            () -> {
              try {
                Worker w = newWorker(group);
                if (w != null) {
                  drain(w, null);
                }
                one.complete(null);
              } catch (RuntimeException e) {
                one.completeExceptionally(e);
              }
            });
      }
    }
    return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0]));
  }

  public int batchSize() {
    return batchSize;
  }

  public long maxBatchDelayNanos() {
    return maxBatchDelayNanos;
  }

  public long maxIdleNanos() {
    return maxIdleNanos;
  }

  public int queueCapacity() {
    return queueCapacity;
  }

  /** Jobs admitted and not yet answered (queued or running). */
  public int outstanding() {
    return outstanding.get();
  }

  /** Jobs waiting in the queue (not running). */
  public int queued() {
    return queued;
  }

  /** Live workers (running or starting) over every group. */
  public int liveWorkers() {
    int n = 0;
    for (WorkerGroup g : groups) {
      n += g.liveWorkers();
    }
    return n;
  }

  /** Workers of every group in one state: {@code starting}, {@code ready} (idle, waiting for a batch) or {@code busy}. */
  public int workers(String state) {
    int n = 0;
    for (WorkerGroup g : groups) {
      n +=
          switch (state) {
            case "starting" -> g.startingWorkers();
            case "ready" -> g.startedWorkers(false);
            case "busy" -> g.startedWorkers(true);
            default -> throw new IllegalArgumentException("state=" + state + ": not starting, ready or busy");
          };
    }
    return n;
  }

  public List<WorkerGroup> groups() {
    return groups;
  }

  /** The groups as the describe API shows them. */
  public List<ModelDescription.WorkerGroup> describeGroups() {
    return groups.stream().map(WorkerGroup::describe).toList();
  }

  /**
   * Admits a job with one decision (refused at once when {@code job_queue_size} jobs are unanswered, when the
   * model has no worker, or is unhealthy with none running) and queues it. The job may run on the calling thread
   * before this returns (see the class comment); the future is then complete.
   */
  public CompletableFuture<Object> submit(Object input) {
    Job job = new Job(input, runner.nanoTime());
    observations.submitted(job);
    ServingException refused;
    Worker claimed = null;
    WorkerGroup grow = null;
    lock.lock();
    try {
      refused = refusal();
      if (refused == null) {
        queue.addLast(job);
        queued = queue.size();
        claimed = claimForReadyBatch();
        if (claimed == null && idle.isEmpty() && queue.size() > 2 * batchSize) {
          grow = reserveGrowth();
        }
      }
    } finally {
      lock.unlock();
    }
    if (refused != null) {
      JobObservations.finished(job, refused);
      if (refused instanceof QueueFullException) {
        listener.jobRejected(model, version);
      }
      return CompletableFuture.failedFuture(refused);
    }
    listener.jobQueued(model, version);
    if (grow != null) {
      startWorker(grow, 0);
    }
    if (claimed != null) {
      if (isQuick()) {
        drain(claimed, job);
      } else {
        handOff(claimed);
      }
    }
    return job.future;
  }

  /** Whether recent batches ran in under {@link #QUICK_BATCH_NANOS}; false until one has run. */
  boolean isQuick() {
    long recent = recentBatchNanos;
    return recent >= 0 && recent < QUICK_BATCH_NANOS;
  }

  private ServingException refusal() {
    if (closed) {
      return new ModelNotReadyException("Model " + model + " is not available");
    }
    int max = 0;
    for (WorkerGroup g : groups) {
      max += g.maxWorkers();
    }
    if (max == 0) {
      return new AllWorkersShutdownException(model);
    }
    if (unhealthyReason != null && startedWorkers() == 0) {
      return new ModelNotReadyException("Model " + model + " is unhealthy: " + unhealthyReason);
    }
    while (true) {
      int n = outstanding.get();
      if (n >= queueCapacity) {
        return new QueueFullException("Worker queue capacity exceeded for model: " + model);
      }
      if (outstanding.compareAndSet(n, n + 1)) {
        return null;
      }
    }
  }

  private int startedWorkers() {
    int n = 0;
    for (WorkerGroup g : groups) {
      n += g.startedWorkers();
    }
    return n;
  }

  /** Under the lock: the head's batch is ready to run now. */
  private boolean batchReady() {
    Job head = queue.peekFirst();
    return head != null
        && (batchSize == 1
            || head.retried
            || head.windowClosed
            || queue.size() >= batchSize
            || runner.nanoTime() - head.enqueuedNanos >= maxBatchDelayNanos);
  }

  /** Under the lock: takes an idle worker when a batch is ready; arms the batch window when one is forming. */
  private Worker claimForReadyBatch() {
    if (idle.isEmpty() || queue.isEmpty()) {
      return null;
    }
    if (!batchReady()) {
      armWindow();
      return null;
    }
    Worker w = idle.pop();
    w.busy = true;
    return w;
  }

  /** Under the lock: the next batch, up to batch_size jobs in arrival order; a retried job runs alone. */
  private List<Job> takeBatch() {
    Job first = queue.pollFirst();
    if (batchSize == 1 || first.retried) {
      return List.of(first);
    }
    List<Job> batch = new ArrayList<>(batchSize);
    batch.add(first);
    while (batch.size() < batchSize && !queue.isEmpty() && !queue.peekFirst().retried) {
      batch.add(queue.pollFirst());
    }
    return batch;
  }

  private void armWindow() {
    if (windowArmed || queue.isEmpty()) {
      return;
    }
    windowArmed = true;
    windowHead = queue.peekFirst();
    long wait = windowHead.enqueuedNanos + maxBatchDelayNanos - runner.nanoTime();
    runner.schedule(this::windowClosed, Math.max(0, wait));
  }

  private void windowClosed() {
    Worker w;
    lock.lock();
    try {
      windowArmed = false;
      if (windowHead != null && windowHead == queue.peekFirst()) {
        windowHead.windowClosed = true; // the timer decides, whatever a test's clock says
      }
      windowHead = null;
      w = closed ? null : claimForReadyBatch();
    } finally {
      lock.unlock();
    }
    if (w != null) {
      drain(w, null);
    }
  }

  private void handOff(Worker w) {
    runner.execute(() -> drain(w, null));
  }

  /**
   * Runs ready batches on a held worker until none is ready (the worker goes idle), the worker dies or is retired,
   * or, for a caller ({@code own} not null), the caller's own job is answered (the worker then goes to a pooled
   * thread if more batches are ready).
   */
  private void drain(Worker w, Job own) {
    while (true) {
      List<Job> batch = null;
      boolean retire = false;
      boolean handOff = false;
      lock.lock();
      try {
        if (closed || w.retiring) {
          retire = true;
          w.group.remove(w);
        } else if (!batchReady()) {
          goIdle(w);
        } else if (own != null && own.future.isDone()) {
          handOff = true;
        } else {
          batch = takeBatch();
          queued = queue.size();
        }
      } finally {
        lock.unlock();
      }
      if (retire) {
        closeWorker(w, "stopped");
        return;
      }
      if (handOff) {
        handOff(w);
        return;
      }
      if (batch == null || !run(w, batch)) {
        return;
      }
    }
  }

  /** Under the lock. */
  private void goIdle(Worker w) {
    w.busy = false;
    w.idleSince = runner.nanoTime();
    idle.push(w);
    armWindow();
    if (!idleCheckArmed && w.group.hasExtra()) {
      idleCheckArmed = true;
      runner.schedule(this::retireIdle, maxIdleNanos);
    }
  }

  /**
   * Under the lock: a lowered minimum turns workers that were already idle into extras, which must retire too; the
   * check runs now and re-arms itself for the next one due.
   */
  private void armIdleCheckForExtras() {
    if (idleCheckArmed) {
      return;
    }
    for (Worker w : idle) {
      if (w.group.hasExtra()) {
        idleCheckArmed = true;
        runner.schedule(this::retireIdle, 0);
        return;
      }
    }
  }

  /** Retires idle workers above their group's minimum once they have idled {@code max_idle_time}. */
  private void retireIdle() {
    List<Worker> retired = new ArrayList<>();
    lock.lock();
    try {
      idleCheckArmed = false;
      if (closed) {
        return;
      }
      long now = runner.nanoTime();
      long nextDue = Long.MAX_VALUE;
      for (Iterator<Worker> it = idle.descendingIterator(); it.hasNext(); ) {
        Worker w = it.next();
        long due = w.idleSince + maxIdleNanos;
        if (now - due >= 0) {
          if (w.group.tryRetire(w)) {
            it.remove();
            retired.add(w);
          }
        } else if (w.group.hasExtra()) {
          nextDue = Math.min(nextDue, due);
        }
      }
      if (nextDue != Long.MAX_VALUE) {
        idleCheckArmed = true;
        runner.schedule(this::retireIdle, nextDue - now);
      }
    } finally {
      lock.unlock();
    }
    for (Worker w : retired) {
      closeWorker(w, "idle");
    }
  }

  /** Under the lock: reserves a slot for one more worker in the first group below its maximum. */
  private WorkerGroup reserveGrowth() {
    for (WorkerGroup g : groups) {
      if (g.reserveStart(false)) {
        return g;
      }
    }
    return null;
  }

  /** Runs one batch and delivers its results. Returns false when the worker is gone (died or replaced). */
  private boolean run(Worker w, List<Job> batch) {
    java.util.Map<String, String> saved = org.slf4j.MDC.getCopyOfContextMap();
    setLogContext(batch);
    try {
      return runLogged(w, batch);
    } finally {
      if (saved == null) {
        org.slf4j.MDC.clear();
      } else {
        org.slf4j.MDC.setContextMap(saved);
      }
    }
  }

  /**
   * The MDC of the batch's jobs while it runs: one job's as it is; for several, each key's distinct values joined
   * with commas (every request id of the batch).
   */
  private static void setLogContext(List<Job> batch) {
    if (batch.size() == 1) {
      if (batch.get(0).logContext != null) {
        org.slf4j.MDC.setContextMap(batch.get(0).logContext);
      }
      return;
    }
    java.util.Map<String, java.util.Set<String>> merged = new java.util.LinkedHashMap<>();
    for (Job job : batch) {
      if (job.logContext != null) {
        job.logContext.forEach((k, v) -> merged.computeIfAbsent(k, x -> new java.util.LinkedHashSet<>()).add(v));
      }
    }
    merged.forEach((k, values) -> org.slf4j.MDC.put(k, String.join(",", values)));
  }

  private boolean runLogged(Worker w, List<Job> batch) {
    int size = batch.size();
    listener.batchStarted(model, version, w.id, size);
    List<Object> inputs = new ArrayList<>(size);
    for (Job job : batch) {
      inputs.add(job.input);
    }
    observations.batchStarting(batch);
    long start = runner.nanoTime();
    List<?> outputs = null;
    Throwable failure = null;
    Observation.Scope scope = observations.open(batch);
    try {
      outputs = w.model.predict(asInputs(inputs));
    } catch (Throwable t) {
      failure = t;
    } finally {
      if (scope != null) {
        scope.close();
      }
    }
    long took = runner.nanoTime() - start;
    long recent = recentBatchNanos;
    recentBatchNanos = recent < 0 ? took : recent + (took - recent) / 4;
    listener.batchFinished(model, version, w.id, size, took, failure == null);
    if (failure != null) {
      return failed(w, batch, failure);
    }
    if (outputs == null || outputs.size() != size) {
      BadInputException e =
          new BadInputException(
              "Batch output size mismatch, expected: " + size + ", actual: " + (outputs == null ? 0 : outputs.size()));
      for (Job job : batch) {
        fail(job, e);
      }
      return true;
    }
    if (anyDeaths) {
      served();
    }
    for (int i = 0; i < size; i++) {
      Job job = batch.get(i);
      listener.jobCompleted(model, version, start - job.enqueuedNanos, took);
      outstanding.decrementAndGet();
      JobObservations.finished(job, null);
      job.future.complete(outputs.get(i));
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static List<Input> asInputs(List<Object> inputs) {
    return (List<Input>) (List<?>) inputs;
  }

  private void fail(Job job, Throwable failure) {
    outstanding.decrementAndGet();
    listener.jobFailed(model, version, failure);
    JobObservations.finished(job, failure);
    job.future.completeExceptionally(failure);
  }

  /** A job was served: the model is healthy again. */
  private void served() {
    boolean recovered;
    lock.lock();
    try {
      recovered = unhealthyReason != null;
      consecutiveDeaths = 0;
      unhealthyReason = null;
      anyDeaths = false;
    } finally {
      lock.unlock();
    }
    if (recovered) {
      LOG.info("Model {} served a job again: healthy", model);
      health.healthy();
    }
  }

  /** A batch failed. Returns true when the worker keeps serving. */
  private boolean failed(Worker w, List<Job> batch, Throwable t) {
    boolean alive = w.model.isAlive();
    if (alive && t instanceof OutOfMemoryError) {
      NotEnoughMemoryException oom =
          new NotEnoughMemoryException(
              "Model " + model + " ran out of memory running a batch of " + batch.size() + ": " + t);
      batch.forEach(job -> fail(job, oom));
      return true;
    }
    if (alive && t instanceof ServingException && !(t instanceof WorkerDiedException)) {
      batch.forEach(job -> fail(job, t));
      return true;
    }
    if (t instanceof PredictTimeoutException) {
      batch.forEach(job -> fail(job, t)); // the job's own doing: not retried, not counted against the model
      if (alive) {
        return true;
      }
      workerGone(w, false);
      return false;
    }
    ServingException death =
        t instanceof ServingException
            ? (ServingException) t
            : new WorkerDiedException("Worker " + w.id + " of model " + model + " failed: " + t, t, true);
    if (!(t instanceof ServingException)) {
      LOG.warn("Worker {} of model {} failed; replacing it", w.id, model, t);
    }
    boolean retryable =
        retryOnCrash && !(death instanceof WorkerDiedException died && !died.isRetryable());
    boolean poison = batch.size() == 1 && batch.get(0).retried;
    boolean anyRetried = false;
    List<Job> failed = new ArrayList<>();
    for (Job job : batch) {
      if (retryable && !job.retried) {
        observations.requeued(job, death); // before the job is back in the queue, where another thread may take it
      }
    }
    Worker claimed;
    lock.lock();
    try {
      for (int i = batch.size() - 1; i >= 0; i--) {
        Job job = batch.get(i);
        if (retryable && !job.retried && !closed) {
          job.retried = true; // runs again alone: a batch that died is split
          queue.addFirst(job);
          anyRetried = true;
        } else {
          failed.add(0, job);
        }
      }
      queued = queue.size();
      claimed = claimForReadyBatch();
    } finally {
      lock.unlock();
    }
    for (Job job : failed) {
      fail(
          job,
          poison
              ? new WorkerDiedException(
                  "Worker "
                      + w.id
                      + " of model "
                      + model
                      + " died running this job, and again when it was retried alone on a fresh worker: the job is"
                      + " not retried again ("
                      + death.getMessage()
                      + ")") // no cause: the REST error shows the root cause's message, and this one says it all
              : death);
    }
    // A death is counted against the model only when no retry will explain it: a retried job either succeeds
    // (the model serves, which resets the count anyway) or dies alone again (a poison job, not the model's fault).
    workerGone(w, !poison && !anyRetried);
    if (claimed != null) {
      handOff(claimed);
    }
    return false;
  }

  /** A worker died or was stopped after a failure: close it, count the death if {@code counts}, replace it. */
  private void workerGone(Worker w, boolean counts) {
    w.group.remove(w);
    closeWorker(w, "failed");
    replace(w.group, counts, "worker " + w.id + " died");
  }

  private void replace(WorkerGroup group, boolean counts, String what) {
    String becameUnhealthy = null;
    long delay;
    boolean start;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (counts) {
        consecutiveDeaths++;
        anyDeaths = true;
      }
      if (consecutiveDeaths > retryThreshold && unhealthyReason == null) {
        unhealthyReason =
            "its workers died "
                + consecutiveDeaths
                + " times in a row with no job served (retry_threshold="
                + retryThreshold
                + "), last: "
                + what
                + "; restarting workers with backoff";
        becameUnhealthy = unhealthyReason;
      }
      delay = backoffNanos(consecutiveDeaths, retryThreshold);
      start = group.reserveStart(true) || (!queue.isEmpty() && group.reserveStart(false));
    } finally {
      lock.unlock();
    }
    if (becameUnhealthy != null) {
      LOG.error("Model {} is unhealthy: {}", model, becameUnhealthy);
      health.unhealthy(becameUnhealthy);
    }
    if (start) {
      startWorker(group, delay);
    }
  }

  /** No wait while deaths stay within the threshold; then 1 s, doubling, at most 60 s. */
  static long backoffNanos(int deaths, int threshold) {
    if (deaths <= threshold) {
      return 0;
    }
    int doublings = Math.min(deaths - threshold - 1, 6);
    return Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << doublings);
  }

  /** Starts a worker in a reserved slot after {@code delayNanos}; it then runs whatever is ready. */
  private void startWorker(WorkerGroup group, long delayNanos) {
    Runnable task =
        () -> {
          Worker w;
          try {
            w = newWorker(group);
          } catch (RuntimeException e) {
            LOG.warn("Starting a worker of model {} failed: {}", model, e.getMessage());
            replace(group, true, "a worker failed to start: " + e.getMessage());
            return;
          }
          if (w != null) {
            drain(w, null);
          }
        };
    if (delayNanos > 0) {
      runner.schedule(task, delayNanos);
    } else {
      runner.execute(task);
    }
  }

  /**
   * Creates a worker in a reserved slot; returns it busy (held by the calling thread), or null when the pool
   * closed meanwhile. User code runs outside every lock.
   */
  private Worker newWorker(WorkerGroup group) {
    boolean open;
    lock.lock();
    try {
      open = !closed;
    } finally {
      lock.unlock();
    }
    if (!open) {
      group.startFailed();
      return null;
    }
    int id = nextWorkerId.incrementAndGet();
    ModelWorker created;
    try {
      created = group.loaded().newWorker(id);
    } catch (Exception e) {
      group.startFailed();
      if (e instanceof ServingException) {
        throw (ServingException) e;
      }
      throw new ModelLoadException(
          "Failed to start worker " + id + " of model " + model + ": " + e.getMessage(), e);
    }
    Worker w = new Worker(id, group, created);
    lock.lock();
    try {
      open = !closed && group.started(w);
    } finally {
      lock.unlock();
    }
    if (!open) {
      created.close();
      w.closed.complete(null);
      return null;
    }
    listener.workerStarted(model, version, group.deviceName(), id);
    return w;
  }

  private void closeWorker(Worker w, String reason) {
    try {
      w.model.close();
    } catch (RuntimeException e) {
      LOG.warn("Closing worker {} of model {} failed", w.id, model, e);
    }
    listener.workerStopped(model, version, w.group.deviceName(), w.id, reason);
    w.closed.complete(null);
  }

  /** Changes the bounds of every group, starting or stopping workers to fit. Works on an unhealthy model too. */
  public void scale(int min, int max) {
    if (min < 0 || max < 0 || min > max) {
      throw new InvalidSpecException(
          "min_worker=" + min + ", max_worker=" + max + ": minWorkers must be between 0 and maxWorkers");
    }
    List<Worker> stopNow = new ArrayList<>();
    List<WorkerGroup> starts = new ArrayList<>();
    List<Job> orphans = new ArrayList<>();
    lock.lock();
    try {
      for (WorkerGroup g : groups) {
        g.setBounds(min, max);
        for (Iterator<Worker> it = idle.descendingIterator(); it.hasNext() && g.excess() > 0; ) {
          Worker w = it.next();
          if (w.group == g) {
            it.remove();
            g.remove(w);
            stopNow.add(w);
          }
        }
        for (Worker w : g.members()) {
          if (g.excess() > 0 && w.busy) {
            w.retiring = true; // stops after its batch
            g.remove(w);
          }
        }
        while (g.reserveStart(true)) {
          starts.add(g);
        }
      }
      if (max == 0) {
        orphans.addAll(queue);
        queue.clear();
        queued = 0;
      }
      armIdleCheckForExtras();
    } finally {
      lock.unlock();
    }
    for (Worker w : stopNow) {
      closeWorker(w, "stopped");
    }
    ModelNotReadyException none = new AllWorkersShutdownException(model);
    for (Job job : orphans) {
      fail(job, none);
    }
    for (WorkerGroup g : starts) {
      startWorker(g, 0);
    }
  }

  /**
   * Stops accepting jobs, fails the queued ones, lets running batches finish (up to {@code timeoutMillis}), closes
   * workers and then the loaded models. Idempotent.
   */
  public void close(long timeoutMillis) {
    List<Job> left;
    List<Worker> idleNow;
    List<Worker> all = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      left = new ArrayList<>(queue);
      queue.clear();
      queued = 0;
      idleNow = new ArrayList<>(idle);
      idle.clear();
      for (WorkerGroup g : groups) {
        all.addAll(g.members());
      }
      idleNow.forEach(w -> w.group.remove(w));
    } finally {
      lock.unlock();
    }
    ModelNotReadyException closing =
        new ModelNotReadyException("Model " + model + " is not available: it is being unregistered");
    left.forEach(job -> fail(job, closing));
    idleNow.forEach(w -> closeWorker(w, "stopped"));
    try {
      CompletableFuture.allOf(all.stream().map(w -> w.closed).toArray(CompletableFuture<?>[]::new))
          .get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("Workers of model {} did not stop within {} ms", model, timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      LOG.warn("Stopping workers of model {} failed", model, e);
    }
    for (WorkerGroup g : groups) {
      try {
        g.loaded().close();
      } catch (RuntimeException e) {
        LOG.warn("Closing model {} on {} failed", model, g.deviceName(), e);
      }
    }
  }

  @Override
  public void close() {
    close(30_000);
  }
}
