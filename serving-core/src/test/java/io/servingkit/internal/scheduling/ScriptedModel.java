package io.servingkit.internal.scheduling;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.ModelSpec;
import io.servingkit.ServingListener;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A loaded model whose workers take strings and run a script given by the test (by default: answer each input
 * upper-cased), recording every batch; plus the pool, health and events around it. Single-threaded, like the
 * {@link TaskFaker} that drives it.
 */
final class ScriptedModel implements LoadedModel {

  /** What a worker does with a batch; throwing fails it. */
  interface Script {
    List<String> run(ScriptedWorker worker, List<String> batch) throws Exception;
  }

  final TaskFaker faker = new TaskFaker();
  final List<List<String>> batches = new ArrayList<>();
  final List<String> events = new ArrayList<>();
  final List<String> health = new ArrayList<>();
  int workersCreated;
  int workersClosed;
  int startAttempts;
  RuntimeException failNewWorker;
  Script script = (w, batch) -> batch.stream().map(String::toUpperCase).toList();
  WorkerPool pool;
  WorkerGroup group;
  /** Where the pool's job observations go (set before {@link #pool}). */
  io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry.NOOP;

  /** A pool of one CPU group over this model with the given serving.properties. */
  WorkerPool pool(String properties) {
    Map<String, String> props = new java.util.LinkedHashMap<>();
    for (String line : properties.split("\n")) {
      if (!line.isBlank()) {
        String[] kv = line.split("=", 2);
        props.put(kv[0].strip(), kv[1].strip());
      }
    }
    ModelSpec spec = ModelSpec.of("m", null, "file:.", props);
    group =
        new WorkerGroup(
            Device.cpu(), this, spec.minWorkers(false).orElse(1), spec.maxWorkers(false).orElse(2));
    ServingListener listener =
        new ServingListener() {
          @Override
          public void workerStarted(String model, String version, String device, int workerId) {
            events.add("started " + workerId);
          }

          @Override
          public void workerStopped(String model, String version, String device, int workerId, String reason) {
            events.add("stopped " + workerId + " " + reason);
          }
        };
    pool =
        new WorkerPool(
            "m",
            null,
            spec,
            List.of(group),
            faker,
            listener,
            new WorkerPool.Health() {
              @Override
              public void unhealthy(String reason) {
                health.add("unhealthy: " + reason);
              }

              @Override
              public void healthy() {
                health.add("healthy");
              }
            },
            observations);
    return pool;
  }

  /** Starts the pool's minimum workers. */
  WorkerPool started(String properties) {
    WorkerPool p = pool(properties);
    var start = p.start();
    faker.runUntilIdle();
    start.join();
    return p;
  }

  int workers() {
    return group.describe().workers().size();
  }

  @Override
  public ModelWorker newWorker(int workerId) {
    startAttempts++;
    if (failNewWorker != null) {
      throw failNewWorker;
    }
    workersCreated++;
    return new ScriptedWorker(workerId);
  }

  @Override
  public void close() {}

  /** One worker: runs the script; a test kills it with {@link #die()}. */
  final class ScriptedWorker implements ModelWorker {
    final int id;
    boolean alive = true;
    boolean closed;

    ScriptedWorker(int id) {
      this.id = id;
    }

    /** Marks the worker dead and returns the exception a dead process gives. */
    RuntimeException die() {
      alive = false;
      return new io.servingkit.WorkerDiedException("worker " + id + " exited with code 1", null, true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Output> predict(List<Input> batch) throws Exception {
      List<String> texts = new ArrayList<>((List<String>) (List<?>) batch);
      batches.add(texts);
      return (List<Output>) (List<?>) script.run(this, texts);
    }

    @Override
    public boolean isAlive() {
      return alive && !closed;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        workersClosed++;
      }
    }
  }
}
