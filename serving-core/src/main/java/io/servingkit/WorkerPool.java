package io.servingkit;

import io.servingkit.spi.ModelWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of one model version: a bounded FIFO job queue shared by worker groups (one per device), dynamic
 * batching, scale-up when the queue backs up, idle retirement, replacement of failed workers.
 *
 * <p>Threading: {@link #submit} is called from any thread and never blocks. Worker bounds change under each
 * group's lock; user code (creating or closing workers) always runs outside it.
 */
final class WorkerPool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
  private static final long MAX_BACKOFF_MILLIS = 30_000;

  /**
   * A batch this short counts as quick: a caller that must not block (an event loop) may run it itself. One
   * millisecond holds an event loop's other connections back no more than a small answer's write does.
   */
  static final long QUICK_BATCH_NANOS = 1_000_000;

  final String model;
  final String version;
  final Ticker ticker;
  final ServingListener listener;
  final Batcher batcher;
  final int queueCapacity;
  volatile int batchSize;
  volatile long maxBatchDelayNanos;
  volatile long maxIdleNanos;
  private final BlockingDeque<Job> queue;
  private final List<WorkerGroup> groups;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final boolean retryOnCrash;
  private final int retryThreshold;
  private final Consumer<String> onFailed;
  private final AtomicInteger nextWorkerId = new AtomicInteger();
  /** Jobs admitted and not yet answered (queued or running): DJL counts running jobs against the capacity. */
  private final AtomicInteger outstanding = new AtomicInteger();
  private volatile boolean closed;
  /** Moving average of recent batch run times (nanoseconds), -1 before the first batch; updated without a lock. */
  private volatile long recentBatchNanos = -1;

  WorkerPool(
      String model,
      String version,
      ModelSpec spec,
      List<WorkerGroup> groups,
      ExecutorService executor,
      ScheduledExecutorService scheduler,
      Ticker ticker,
      ServingListener listener,
      Consumer<String> onFailed) {
    this.model = model;
    this.version = version;
    this.groups = List.copyOf(groups);
    this.executor = executor;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.listener = listener;
    this.onFailed = onFailed;
    this.queueCapacity = spec.jobQueueSize();
    this.queue = new LinkedBlockingDeque<>();
    this.batcher = new Batcher(queue, ticker);
    this.batchSize = spec.batchSize();
    this.maxBatchDelayNanos = spec.maxBatchDelay().toNanos();
    this.maxIdleNanos = spec.maxIdleTime().toNanos();
    this.retryOnCrash = spec.getBoolean("option.retry_on_crash", true);
    this.retryThreshold = spec.retryThreshold();
  }

  /** Starts each group's minimum workers and waits until they are ready. */
  void start() {
    List<CompletableFuture<Void>> started = new ArrayList<>();
    for (WorkerGroup group : groups) {
      while (group.reserveStart(true)) {
        started.add(CompletableFuture.runAsync(() -> createWorker(group), executor));
      }
    }
    try {
      CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw cause instanceof ServingException
          ? (ServingException) cause
          : new ModelLoadException("Failed to start a worker of model " + model + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * Admits a job with one atomic decision; fails at once when the queue is full. When {@code callerRun} allows
   * it, the model takes one job per batch, nothing is queued and a worker is idle, runs it on the calling thread
   * before returning (saving the two thread hand-offs of a queued job; blocks for at most one inference).
   * Otherwise the job is queued and this never blocks.
   */
  CompletableFuture<Object> submit(Object input, CallerRun callerRun) {
    ServingException refused = admit();
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    Job job = new Job(input, ticker.nanoTime());
    if (callerRun != CallerRun.NEVER
        && batchSize == 1
        && queue.isEmpty()
        && (callerRun == CallerRun.WHEN_IDLE || (isQuick() && outstanding.get() == 1))
        && runOnIdleWorker(job, callerRun == CallerRun.WHEN_QUICK)) {
      return job.future;
    }
    enqueue(job);
    return job.future;
  }

  /** Notes how long a batch ran; failed batches count too, so a model that starts to hang stops being quick. */
  void recordBatch(long nanos) {
    long previous = recentBatchNanos;
    recentBatchNanos = previous < 0 ? nanos : previous + (nanos - previous) / 4;
  }

  /**
   * Whether recent batches ran in under {@link #QUICK_BATCH_NANOS}; false until one has run. An event loop runs a
   * quick job itself only when it is the model's only job in flight: under load, worker threads running jobs next
   * to the event loops serve more (measured: 64 connections, digits, 14.7k req/s queued vs 10.1k run on the IO
   * threads, whose borrowed workers made the worker threads put jobs back).
   */
  boolean isQuick() {
    long recent = recentBatchNanos;
    return recent >= 0 && recent < QUICK_BATCH_NANOS;
  }

  private boolean runOnIdleWorker(Job job, boolean inProcessOnly) {
    for (WorkerGroup group : groups) {
      for (WorkerLoop loop : group.workers) { // copy-on-write: no lock needed to read
        if (loop.tryRunOnCaller(job, inProcessOnly)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Returns the reason a job is refused, or null when it is admitted (and counted as outstanding). */
  private ServingException admit() {
    if (closed) {
      return new ModelNotReadyException("Model " + model + " is not available");
    }
    if (maxWorkersTotal() == 0) {
      return new AllWorkersShutdownException(model);
    }
    if (!reserveCapacity()) {
      listener.jobRejected(model, version);
      return new QueueFullException("Worker queue capacity exceeded for model: " + model);
    }
    listener.jobQueued(model, version);
    return null;
  }

  private void enqueue(Job job) {
    queue.offer(job);
    if (closed && queue.remove(job)) {
      fail(job, new ModelNotReadyException("Model " + model + " is not available"));
    }
    if (queue.size() > 2 * batchSize) {
      scaleUp();
    }
  }

  /** Puts the jobs of a batch that was not run back at the head of the queue, in their order. */
  void requeue(List<Job> batch) {
    for (int i = batch.size() - 1; i >= 0; i--) {
      queue.offerFirst(batch.get(i));
    }
    if (closed) {
      drain(new ModelNotReadyException("Model " + model + " is not available"));
    }
  }

  /** One atomic decision: a job is admitted while fewer than {@code job_queue_size} jobs are unanswered. */
  private boolean reserveCapacity() {
    while (true) {
      int n = outstanding.get();
      if (n >= queueCapacity) {
        return false;
      }
      if (outstanding.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void complete(Job job, Object output) {
    outstanding.decrementAndGet();
    job.future.complete(output);
  }

  int queued() {
    return queue.size();
  }

  List<WorkerGroup> groups() {
    return groups;
  }

  void fail(Job job, Throwable failure) {
    outstanding.decrementAndGet();
    listener.jobFailed(model, version, failure);
    job.future.completeExceptionally(failure);
  }

  /** Puts a job whose worker died back at the head of the queue once, else fails it. */
  void retryOrFail(Job job, ServingException failure) {
    if (failure instanceof WorkerDiedException
        && ((WorkerDiedException) failure).isRetryable()
        && retryOnCrash
        && !job.retried
        && !closed) {
      job.retried = true;
      queue.offerFirst(job);
      return;
    }
    fail(job, failure);
  }

  /** Changes the bounds of every group; starts or stops workers to fit them. */
  void scale(int min, int max) {
    if (min < 0 || max < 0 || min > max) {
      throw new InvalidSpecException(
          "min_worker=" + min + ", max_worker=" + max + ": minWorkers must be between 0 and maxWorkers");
    }
    for (WorkerGroup group : groups) {
      List<WorkerLoop> toStop = new ArrayList<>();
      group.lock.lock();
      try {
        group.minWorkers = min;
        group.maxWorkers = max;
        for (int i = group.workers.size() - 1; i >= 0 && group.workers.size() - toStop.size() > max; i--) {
          toStop.add(group.workers.get(i));
        }
      } finally {
        group.lock.unlock();
      }
      toStop.forEach(WorkerLoop::stop);
      while (group.reserveStart(true)) {
        launch(group);
      }
    }
    if (max == 0) {
      drain(new AllWorkersShutdownException(model));
    }
  }

  private int maxWorkersTotal() {
    int total = 0;
    for (WorkerGroup group : groups) {
      total += group.maxWorkers;
    }
    return total;
  }

  private void scaleUp() {
    for (WorkerGroup group : groups) {
      if (group.reserveStart(false)) {
        launch(group);
        return;
      }
    }
  }

  private void launch(WorkerGroup group) {
    try {
      executor.execute(() -> createWorkerOrRetry(group));
    } catch (RejectedExecutionException e) {
      releaseReservation(group);
    }
  }

  private void createWorkerOrRetry(WorkerGroup group) {
    try {
      createWorker(group);
    } catch (RuntimeException e) {
      LOG.warn("Starting a worker of model {} failed", model, e);
      onWorkerFailure(group);
    }
  }

  /** Creates a worker for a reserved slot and starts its loop. User code runs outside every lock. */
  private void createWorker(WorkerGroup group) {
    int id = nextWorkerId.incrementAndGet();
    ModelWorker worker;
    try {
      worker = group.loaded.newWorker(id);
    } catch (Exception e) {
      releaseReservation(group);
      if (e instanceof ServingException) {
        throw (ServingException) e;
      }
      throw new ModelLoadException("Failed to start worker " + id + " of model " + model + ": " + e.getMessage(), e);
    }
    WorkerLoop loop = new WorkerLoop(id, this, group, worker);
    boolean accepted;
    group.lock.lock();
    try {
      group.starting--;
      accepted = !closed;
      if (accepted) {
        group.workers.add(loop);
      }
    } finally {
      group.lock.unlock();
    }
    if (!accepted) {
      worker.close();
      return;
    }
    listener.workerStarted(model, version, group.deviceName, id);
    try {
      executor.execute(loop);
    } catch (RejectedExecutionException e) {
      group.remove(loop);
      worker.close();
    }
  }

  private void releaseReservation(WorkerGroup group) {
    group.lock.lock();
    try {
      group.starting--;
    } finally {
      group.lock.unlock();
    }
  }

  /** Called by a loop that ended after a failure: start a replacement, with backoff after repeated failures. */
  void replaceWorker(WorkerGroup group) {
    onWorkerFailure(group);
  }

  private void onWorkerFailure(WorkerGroup group) {
    if (closed) {
      return;
    }
    int failures;
    group.lock.lock();
    try {
      failures = ++group.consecutiveFailures;
    } finally {
      group.lock.unlock();
    }
    if (failures > retryThreshold) {
      String message =
          "Model " + model + " failed: its workers failed " + failures + " times in a row (retry_threshold=" + retryThreshold + ")";
      LOG.error(message);
      onFailed.accept(message);
      drain(new ModelNotReadyException(message));
      return;
    }
    if (!group.reserveStart(true)) {
      return;
    }
    long delay = failures <= 1 ? 0 : Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(20, failures - 2));
    try {
      scheduler.schedule(() -> launchReserved(group), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      releaseReservation(group);
    }
  }

  private void launchReserved(WorkerGroup group) {
    if (closed) {
      releaseReservation(group);
      return;
    }
    launch(group);
  }

  private void drain(ServingException failure) {
    List<Job> left = new ArrayList<>();
    queue.drainTo(left);
    for (Job job : left) {
      fail(job, failure);
    }
  }

  /**
   * Stops accepting jobs, fails the queued ones, lets running batches finish (up to {@code timeoutMillis}),
   * closes workers and then the loaded models.
   */
  void close(long timeoutMillis) {
    if (closed) {
      return;
    }
    closed = true;
    drain(new ModelNotReadyException("Model " + model + " is not available: it is being unregistered"));
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    for (WorkerGroup group : groups) {
      for (WorkerLoop loop : group.snapshot()) {
        loop.stop();
        loops.add(loop.done);
      }
    }
    try {
      CompletableFuture.allOf(loops.toArray(new CompletableFuture<?>[0]))
          .get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("Workers of model {} did not stop within {} ms", model, timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.warn("Stopping workers of model {} failed", model, e);
    }
    for (WorkerGroup group : groups) {
      try {
        group.loaded.close();
      } catch (RuntimeException e) {
        LOG.warn("Closing model {} on {} failed", model, group.deviceName, e);
      }
    }
  }

  @Override
  public void close() {
    close(30_000);
  }
}
