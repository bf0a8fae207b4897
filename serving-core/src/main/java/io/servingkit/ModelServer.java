package io.servingkit;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An embeddable model server: registers models and runs predictions on them through bounded queues, dynamic
 * batching and worker pools. API SKELETON: the implementation lands with the ModelServer issue.
 */
public final class ModelServer implements AutoCloseable {

  private ModelServer() {}

  /** Starts building a server. */
  public static Builder builder() {
    return new Builder();
  }

  /** Registers a model and waits until it is READY; throws the load failure. */
  public ModelDescription register(ModelSpec spec) {
    return registerAsync(spec).join();
  }

  /** Registers a model; the model is PENDING until the future completes (READY) or fails (FAILED). */
  public CompletableFuture<ModelDescription> registerAsync(ModelSpec spec) {
    throw new UnsupportedOperationException("in progress");
  }

  /** Unregisters every version of a model. @throws ModelNotFoundException when none is registered */
  public void unregister(String name) {
    unregister(name, null);
  }

  /** Unregisters one version (null = latest). @throws ModelNotFoundException when not registered */
  public void unregister(String name, String version) {
    throw new UnsupportedOperationException("in progress");
  }

  /** Changes a model's worker bounds live. @throws InvalidSpecException when min > max */
  public ModelDescription scale(String name, String version, int minWorkers, int maxWorkers) {
    throw new UnsupportedOperationException("in progress");
  }

  /** Describes one version, or every version when {@code version} is null. */
  public List<ModelDescription> describe(String name, String version) {
    throw new UnsupportedOperationException("in progress");
  }

  /** Every registered model version, in registration order. */
  public List<ModelDescription> list() {
    throw new UnsupportedOperationException("in progress");
  }

  /** Runs a prediction on the latest version of a model. */
  public CompletableFuture<Output> predict(String name, Input input) {
    return predict(name, null, input);
  }

  /** Runs a prediction on one version (null = latest). Failures are {@link ServingException}s on the future. */
  public CompletableFuture<Output> predict(String name, String version, Input input) {
    throw new UnsupportedOperationException("in progress");
  }

  /** The meter registry the server records into (the given one, or its own Prometheus registry). */
  public MeterRegistry meterRegistry() {
    throw new UnsupportedOperationException("in progress");
  }

  /** Prometheus text exposition of the server's metrics. */
  public String scrapeMetrics() {
    throw new UnsupportedOperationException("in progress");
  }

  /** Stops every worker and process; fails queued jobs. Idempotent. */
  @Override
  public void close() {}

  /** Builder of {@link ModelServer}. */
  public static final class Builder {
    private Builder() {}

    /** Adds a model entry {@code [name][:version][:engine][:devices]=url}. */
    public Builder model(String entry) {
      return this;
    }

    /** Adds a model. */
    public Builder model(ModelSpec spec) {
      return this;
    }

    /** Model store folder. */
    public Builder modelStore(Path folder) {
      return this;
    }

    /** Default job queue size. */
    public Builder jobQueueSize(int size) {
      return this;
    }

    /** Default batch size. */
    public Builder batchSize(int size) {
      return this;
    }

    /** Default max batch delay. */
    public Builder maxBatchDelay(Duration delay) {
      return this;
    }

    /** Default max idle time. */
    public Builder maxIdleTime(Duration idle) {
      return this;
    }

    /** Meter registry to record into. */
    public Builder meterRegistry(MeterRegistry registry) {
      return this;
    }

    /** Builds and starts the server, loading the configured models. */
    public ModelServer build() {
      return new ModelServer();
    }
  }
}
