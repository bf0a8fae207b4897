package io.servingkit;

import java.util.ArrayList;
import java.util.List;

/** One registered model version: its spec, status and, once loaded, its worker pool. */
final class ModelEntry {
  final ModelSpec spec;
  volatile ModelSpec resolved;
  volatile String engine;
  volatile ModelStatus status = ModelStatus.PENDING;
  volatile String failure;
  volatile WorkerPool pool;
  /** Removes what the load extracted, downloaded and wrote; run once, after the pool is closed. */
  final java.util.concurrent.atomic.AtomicReference<Runnable> release =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** What the model's workers take: DJL {@code Input} for mode-served models, the caller's type for typed ones. */
  final Class<?> inputType;
  /** The mode forced by a typed registration, or null to pick one from the providers. */
  final io.servingkit.spi.ModeProvider forcedMode;
  /** What the registration may fetch and run. */
  final RegistrationPolicy policy;

  ModelEntry(ModelSpec spec) {
    this(spec, ai.djl.modality.Input.class, null, RegistrationPolicy.trusted());
  }

  ModelEntry(
      ModelSpec spec, Class<?> inputType, io.servingkit.spi.ModeProvider forcedMode, RegistrationPolicy policy) {
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

  ModelDescription describe() {
    ModelSpec s = resolved;
    WorkerPool p = pool;
    List<ModelDescription.WorkerGroup> groups = new ArrayList<>();
    if (p != null) {
      for (WorkerGroup g : p.groups()) {
        List<ModelDescription.Worker> workers = new ArrayList<>();
        for (WorkerLoop loop : g.snapshot()) {
          workers.add(
              new ModelDescription.Worker(loop.id, loop.startTime.toString(), loop.isBusy() ? "BUSY" : "READY"));
        }
        int min;
        int max;
        g.lock.lock();
        try {
          min = g.minWorkers;
          max = g.maxWorkers;
        } finally {
          g.lock.unlock();
        }
        groups.add(
            new ModelDescription.WorkerGroup(
                g.deviceName, g.device.isGpu() ? g.device.getDeviceId() : -1, min, max, List.copyOf(workers)));
      }
    }
    return new ModelDescription(
        name(),
        version(),
        spec.url(),
        engine,
        p != null ? p.batchSize : s.batchSize(),
        (p != null ? p.maxBatchDelayNanos / 1_000_000 : s.maxBatchDelay().toMillis()),
        (p != null ? p.maxIdleNanos / 1_000_000_000 : s.maxIdleTime().toSeconds()),
        p != null ? p.queueCapacity : s.jobQueueSize(),
        p != null ? p.queued() : 0,
        status,
        failure,
        List.copyOf(groups));
  }
}
