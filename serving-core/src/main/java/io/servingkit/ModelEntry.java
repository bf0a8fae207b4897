package io.servingkit;

import ai.djl.modality.Input;
import io.servingkit.internal.loading.WarmUp;
import io.servingkit.internal.scheduling.WorkerPool;
import io.servingkit.spi.ModeProvider;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One registered model version: its spec, its worker pool once loaded, and its state machine: {@code PENDING} to
 * {@code READY} (loaded) or {@code FAILED} (loading failed); {@code READY} to {@code UNHEALTHY} when its workers
 * keep dying and back when one serves again.
 *
 * <p>Threading: safe for concurrent use; transitions happen under the entry's own lock.
 */
final class ModelEntry implements WorkerPool.Health {
  final ModelSpec spec;
  /** What the model's workers take: DJL {@code Input} for mode-served models, the caller's type for typed ones. */
  final Class<?> inputType;
  /** The mode forced by a typed registration, or null to pick one from the providers. */
  final ModeProvider forcedMode;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile ModelSpec resolved;
  private volatile String engine;
  private volatile ModelStatus status = ModelStatus.PENDING;
  private volatile String failure;
  private volatile WorkerPool pool;
  private volatile WarmUp warmUp;
  /** Removes what the load extracted, downloaded and wrote; run once, after the pool is closed. */
  final java.util.concurrent.atomic.AtomicReference<Runnable> release =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** What the registration may fetch and run. */
  final RegistrationPolicy policy;

  ModelEntry(ModelSpec spec, Class<?> inputType, ModeProvider forcedMode) {
    this(spec, inputType, forcedMode, RegistrationPolicy.trusted());
  }

  ModelEntry(ModelSpec spec, Class<?> inputType, ModeProvider forcedMode, RegistrationPolicy policy) {
    this.spec = spec;
    this.policy = policy;
    this.inputType = inputType;
    this.forcedMode = forcedMode;
    this.resolved = spec;
  }

  String name() {
    return spec.name();
  }

  String version() {
    return spec.version().orElse(null);
  }

  ModelStatus status() {
    return status;
  }

  String failure() {
    return failure;
  }

  /** The pool, or null while loading or after a failed load. */
  WorkerPool pool() {
    return pool;
  }

  /** The pool when the model takes jobs (READY or UNHEALTHY), else null. */
  WorkerPool servingPool() {
    ModelStatus s = status;
    return s == ModelStatus.READY || s == ModelStatus.UNHEALTHY ? pool : null;
  }

  /** Loading produced the resolved spec and engine; the pool is starting. */
  void loading(ModelSpec resolvedSpec, String engineName, WorkerPool workerPool) {
    this.resolved = resolvedSpec;
    this.engine = engineName;
    this.pool = workerPool;
  }

  /** New requests for its {@code warmup_inputs}, one per file; empty when it names none or has not run them. */
  List<Input> warmUpInputs() {
    WarmUp w = warmUp;
    return w == null ? List.of() : w.inputs();
  }

  /** The warm-up it ran while loading. */
  void warmedUp(WarmUp w) {
    warmUp = w;
  }

  /** PENDING to READY. */
  void ready() {
    transition(ModelStatus.PENDING, ModelStatus.READY, null);
  }

  /** Loading failed: FAILED with the reason. */
  void loadFailed(String reason) {
    lock.lock();
    try {
      status = ModelStatus.FAILED;
      failure = reason;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void unhealthy(String reason) {
    transition(ModelStatus.READY, ModelStatus.UNHEALTHY, reason);
  }

  @Override
  public void healthy() {
    transition(ModelStatus.UNHEALTHY, ModelStatus.READY, null);
  }

  private void transition(ModelStatus from, ModelStatus to, String reason) {
    lock.lock();
    try {
      if (status == from) {
        status = to;
        failure = reason;
      }
    } finally {
      lock.unlock();
    }
  }

  ModelDescription describe() {
    ModelSpec s = resolved;
    WorkerPool p = pool;
    return new ModelDescription(
        name(),
        version(),
        spec.url(),
        engine,
        p != null ? p.batchSize() : s.batchSize(),
        p != null ? p.maxBatchDelayNanos() / 1_000_000 : s.maxBatchDelay().toMillis(),
        p != null ? p.maxIdleNanos() / 1_000_000_000 : s.maxIdleTime().toSeconds(),
        p != null ? p.queueCapacity() : s.jobQueueSize(),
        p != null ? p.queued() : 0,
        status,
        failure,
        p != null ? p.describeGroups() : List.of());
  }
}
