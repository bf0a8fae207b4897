package io.servingkit.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.servingkit.ServingListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Records scheduling events as Micrometer meters, tagged by model and version: requests by outcome; request,
 * queue and inference time as histograms with fixed buckets ({@link #BUCKETS}, the same on every replica, so
 * that Prometheus can add them up across replicas and compute quantiles from the sum); batch sizes. Gauges for
 * queue depth, jobs in flight and workers are bound by the server.
 */
public final class MetricsListener implements ServingListener {
  /** The upper bounds of the time histograms' buckets (plus {@code +Inf}). */
  public static final List<Duration> BUCKETS =
      Stream.of(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000)
          .map(ms -> Duration.ofNanos(Math.round(ms.doubleValue() * 1_000_000)))
          .toList();

  private final MeterRegistry registry;
  private final Map<String, ModelMeters> meters = new ConcurrentHashMap<>();

  /** Records into {@code registry}. */
  public MetricsListener(MeterRegistry registry) {
    this.registry = registry;
  }

  private ModelMeters of(String model, String version) {
    String v = version == null ? "" : version;
    return meters.computeIfAbsent(model + ':' + v, k -> new ModelMeters(registry, model, v));
  }

  /** Drops the meters of a model version that was unregistered. */
  public void forget(String model, String version) {
    ModelMeters m = meters.remove(model + ':' + (version == null ? "" : version));
    if (m != null) {
      m.remove(registry);
    }
  }

  @Override
  public void jobRejected(String model, String version) {
    of(model, version).rejected.increment();
  }

  @Override
  public void batchStarted(String model, String version, int workerId, int size) {
    of(model, version).batchSize.record(size);
  }

  @Override
  public void jobCompleted(String model, String version, long queueNanos, long inferenceNanos) {
    ModelMeters m = of(model, version);
    m.ok.increment();
    m.requestTime.record(queueNanos + inferenceNanos, TimeUnit.NANOSECONDS);
    m.queueTime.record(queueNanos, TimeUnit.NANOSECONDS);
    m.inferenceTime.record(inferenceNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void jobFailed(String model, String version, Throwable failure) {
    of(model, version).failed.increment();
  }

  /** The meters of one model version. */
  private static final class ModelMeters {
    final Counter ok;
    final Counter failed;
    final Counter rejected;
    final Timer requestTime;
    final Timer queueTime;
    final Timer inferenceTime;
    final DistributionSummary batchSize;

    ModelMeters(MeterRegistry registry, String model, String version) {
      ok = requests(registry, model, version, "success");
      failed = requests(registry, model, version, "failure");
      rejected = requests(registry, model, version, "rejected");
      requestTime =
          latency(registry, "servingkit.request.time", "Time from admission to answer (queue + inference)", model,
              version);
      queueTime = latency(registry, "servingkit.queue.time", "Time jobs spent in the queue", model, version);
      inferenceTime =
          latency(registry, "servingkit.inference.time", "Time of the batch that ran the job", model, version);
      batchSize =
          DistributionSummary.builder("servingkit.batch.size")
              .description("Jobs per batch")
              .tags("model", model, "version", version)
              .register(registry);
    }

    private static Timer latency(
        MeterRegistry registry, String name, String description, String model, String version) {
      return Timer.builder(name)
          .description(description)
          .tags("model", model, "version", version)
          .serviceLevelObjectives(BUCKETS.toArray(Duration[]::new))
          .register(registry);
    }

    private static Counter requests(MeterRegistry registry, String model, String version, String outcome) {
      return Counter.builder("servingkit.requests")
          .description("Prediction requests by outcome")
          .tags("model", model, "version", version, "outcome", outcome)
          .register(registry);
    }

    void remove(MeterRegistry registry) {
      registry.remove(ok);
      registry.remove(failed);
      registry.remove(rejected);
      registry.remove(requestTime);
      registry.remove(queueTime);
      registry.remove(inferenceTime);
      registry.remove(batchSize);
    }
  }
}
