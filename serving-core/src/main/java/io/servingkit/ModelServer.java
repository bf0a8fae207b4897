package io.servingkit;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.servingkit.internal.javamode.JavaModeProvider;
import io.servingkit.internal.javamode.TypedMode;
import io.servingkit.internal.loading.Devices;
import io.servingkit.internal.loading.MemoryProbe;
import io.servingkit.internal.loading.ModelLoader;
import io.servingkit.internal.loading.WarmUp;
import io.servingkit.internal.metrics.ListenerGuard;
import io.servingkit.internal.metrics.MetricsListener;
import io.servingkit.internal.source.ExtractionLimits;
import io.servingkit.internal.source.ModelArchives;
import io.servingkit.internal.source.ModelStore;
import io.servingkit.internal.scheduling.TaskRunner;
import io.servingkit.internal.scheduling.Ticker;
import io.servingkit.internal.scheduling.WorkerGroup;
import io.servingkit.internal.scheduling.WorkerPool;
import io.servingkit.spi.DaemonThreads;
import io.servingkit.spi.ModeProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable model server: registers models (DJL Serving model folders, archives or URLs) and runs
 * predictions on them through a bounded FIFO queue per model, dynamic batching and worker pools per device.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.builder().model("digits=file:models/digits").build()) {
 *   Output out = server.predict("digits", input).join();
 * }
 * }</pre>
 *
 * <p>Failures are {@link ServingException}s: thrown by the synchronous methods and delivered on the futures of
 * the asynchronous ones ({@link #predict}, {@link #registerAsync}).
 *
 * <p>Threading: every method is safe to call from any thread. {@link #predict} never waits in the queue (a full
 * queue fails the returned future at once) but may run a quick job on the calling thread; see its comment. The
 * server owns its threads (named {@code servingkit-*}) and the
 * processes its modes start; {@link #close()} stops all of them.
 */
public final class ModelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  /** The {@code state} label of the {@code servingkit_workers} gauge. */
  private static final List<String> WORKER_STATES = List.of("starting", "ready", "busy");

  private final ModelRegistry registry = new ModelRegistry();
  private final ModelLoader loader;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final TaskRunner runner;
  private final ServingListener listener;
  private final MetricsListener metrics;
  private final MeterRegistry meterRegistry;
  private final PrometheusMeterRegistry prometheus;
  private final ObservationRegistry observations;
  private final Path workDir;
  private final boolean ownsWorkDir;
  private final ServingConfig config;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ModelServer(Builder b, ServingConfig config) {
    ThreadFactory factory = b.threadFactory != null ? b.threadFactory : new DaemonThreads("servingkit-");
    this.executor =
        new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("servingkit-scheduler-"));
    this.runner = TaskRunner.of(executor, scheduler, b.ticker);
    this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (b.meterRegistry == null) {
      this.meterRegistry = prometheus;
    } else {
      CompositeMeterRegistry composite = new CompositeMeterRegistry();
      composite.add(prometheus);
      composite.add(b.meterRegistry);
      this.meterRegistry = composite;
    }
    this.metrics = new MetricsListener(meterRegistry);
    this.observations = b.observationRegistry;
    List<ServingListener> listeners = new ArrayList<>();
    listeners.add(metrics);
    listeners.addAll(b.listeners);
    this.listener = new ListenerGuard(listeners);
    this.config = config;
    Optional<Path> givenWorkDir = config.find(ServingConfig.WORK_DIR);
    try {
      if (givenWorkDir.isPresent()) {
        this.workDir = Files.createDirectories(givenWorkDir.get());
        this.ownsWorkDir = false;
      } else {
        this.workDir = Files.createTempDirectory("servingkit-");
        this.ownsWorkDir = true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the server's work folder", e);
    }
    Path cache = config.find(ServingConfig.CACHE_DIR).orElse(workDir.resolve("cache"));
    ModelArchives archives =
        new ModelArchives(
            cache,
            config.get(ServingConfig.DOWNLOAD_TIMEOUT),
            config.get(ServingConfig.MAX_DOWNLOAD_BYTES),
            new ExtractionLimits(
                config.get(ServingConfig.MAX_EXTRACTED_BYTES),
                config.get(ServingConfig.MAX_ARCHIVE_ENTRIES),
                config.get(ServingConfig.MAX_EXPANSION_RATIO)));
    int ompThreads = config.find(ServingConfig.OMP_NUM_THREADS).orElse(0);
    this.loader =
        new ModelLoader(
            archives,
            providers(b),
            config.modelDefaults(),
            workDir,
            config.get(ServingConfig.GPU_COUNT),
            ompThreads > 0 ? Math.max(1, Runtime.getRuntime().availableProcessors() / ompThreads) : 2,
            b.memoryProbe);
    if (config.get(ServingConfig.GPU_COUNT) == 0) {
      LOG.info("no GPU, serving on CPU");
    }
  }

  private static List<ModeProvider> providers(Builder b) {
    List<ModeProvider> all = new ArrayList<>(b.providers);
    ClassLoader cl = b.classLoader != null ? b.classLoader : ModelServer.class.getClassLoader();
    ServiceLoader.load(ModeProvider.class, cl).forEach(all::add);
    all.add(new JavaModeProvider());
    Map<String, ModeProvider> byName = new LinkedHashMap<>();
    for (ModeProvider p : all) {
      byName.putIfAbsent(p.name(), p);
    }
    List<ModeProvider> sorted = new ArrayList<>(byName.values());
    sorted.sort(Comparator.comparingInt(ModeProvider::priority).reversed());
    return sorted;
  }

  /** Starts building a server. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers a model and waits until it is READY.
   *
   * @throws ModelAlreadyExistsException when the name and version are taken
   * @throws ServingException the load failure (the model is then not registered)
   */
  public ModelDescription register(ModelSpec spec) {
    return register(spec, RegistrationPolicy.trusted());
  }

  /**
   * Registers a model that {@code policy} allows and waits until it is READY: the way to register what an
   * untrusted caller (a management API client) asked for.
   *
   * @throws ModelSourceException when the policy refuses the URL, a redirect or the model's code
   * @throws ModelAlreadyExistsException when the name and version are taken
   * @throws ServingException the load failure (the model is then not registered)
   */
  public ModelDescription register(ModelSpec spec, RegistrationPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    policy.checkUrl(spec.url());
    ModelEntry entry = reserve(spec, Input.class, null, policy);
    try {
      load(entry);
    } catch (RuntimeException e) {
      registry.remove(entry);
      throw e;
    }
    return entry.describe();
  }

  /**
   * Registers a model in the background. The model is listed as PENDING at once; the future completes when it
   * is READY, or fails with the load failure, after which the model stays listed as FAILED until unregistered.
   */
  public CompletableFuture<ModelDescription> registerAsync(ModelSpec spec) {
    return registerAsync(spec, RegistrationPolicy.trusted());
  }

  /**
   * Registers a model that {@code policy} allows in the background, as {@link #registerAsync(ModelSpec)}; a URL
   * the policy refuses fails the future at once, and nothing is listed.
   */
  public CompletableFuture<ModelDescription> registerAsync(ModelSpec spec, RegistrationPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    ModelEntry entry;
    try {
      policy.checkUrl(spec.url());
      entry = reserve(spec, Input.class, null, policy);
    } catch (ServingException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.supplyAsync(
        () -> {
          load(entry);
          return entry.describe();
        },
        executor);
  }

  /**
   * Registers a model served by your own DJL translator and waits until it is READY: typed jobs {@code I -> O}
   * through the same queue, batching and workers as every model. The model folder, serving.properties and engine
   * detection work as for {@link #register(ModelSpec)}; the translator replaces the mode. The REST API cannot call
   * such a model (its inputs are not HTTP requests).
   *
   * @throws ModelAlreadyExistsException when the name and version are taken
   * @throws ServingException the load failure (the model is then not registered)
   */
  public <I, O> TypedModel<I, O> register(
      ModelSpec spec, Class<I> inputType, Class<O> outputType, ai.djl.translate.Translator<I, O> translator) {
    Objects.requireNonNull(inputType, "inputType");
    Objects.requireNonNull(outputType, "outputType");
    Objects.requireNonNull(translator, "translator");
    ModelEntry entry =
        reserve(spec, inputType, new TypedMode<>(inputType, outputType, translator), RegistrationPolicy.trusted());
    try {
      load(entry);
    } catch (RuntimeException e) {
      registry.remove(entry);
      throw e;
    }
    return new TypedModel<>(this, entry.name(), entry.version(), inputType);
  }

  private ModelEntry reserve(
      ModelSpec spec, Class<?> inputType, ModeProvider forcedMode, RegistrationPolicy policy) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    ModelEntry entry = new ModelEntry(spec, inputType, forcedMode, policy);
    registry.add(entry);
    return entry;
  }

  private void load(ModelEntry entry) {
    long start = System.nanoTime();
    try {
      ModelLoader.Loaded loaded = loader.load(entry.spec, entry.forcedMode, entry.policy);
      entry.release.set(loaded.release());
      WorkerPool pool =
          new WorkerPool(
              entry.name(),
              entry.version(),
              loaded.spec(),
              loaded.copies().stream()
                  .map(c -> new WorkerGroup(c.device(), c.loaded(), c.minWorkers(), c.maxWorkers()))
                  .toList(),
              runner,
              listener,
              entry,
              observations);
      entry.loading(loaded.spec(), loaded.engine(), pool);
      try {
        await(pool.start().thenApply(v -> (Object) v));
        WarmUp.of(loaded.spec(), loaded.dir()).ifPresent(w -> warmUp(entry, pool, w));
      } catch (RuntimeException e) {
        pool.close(5_000);
        releaseFiles(entry);
        throw e instanceof ServingException
            ? e
            : new ModelLoadException("Failed to start a worker of model " + entry.name() + ": " + e.getMessage(), e);
      }
      bindGauges(entry, pool);
      if (closed.get() || !registry.all().contains(entry)) {
        pool.close();
        releaseFiles(entry);
        throw new ModelNotReadyException("Model " + entry.name() + " was unregistered while loading");
      }
      entry.ready();
      LOG.info(
          "Model {} ({} mode, {}) ready in {} ms",
          entry.name(),
          loaded.mode(),
          loaded.engine(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (RuntimeException e) {
      entry.loadFailed(e.getMessage());
      releaseFiles(entry);
      LOG.warn("Model {} failed to load: {}", entry.name(), e.getMessage());
      throw e;
    } catch (LinkageError e) {
      // a class or native library the model needs is missing or broken: the model fails, the server lives on
      ModelLoadException failed = new ModelLoadException("Failed to load model " + entry.name() + ": " + e, e);
      entry.loadFailed(failed.getMessage());
      releaseFiles(entry);
      LOG.warn("Model {} failed to load: {}", entry.name(), failed.getMessage());
      throw failed;
    }
  }

  /**
   * Runs the warm-up predictions through the pool, as many at once as keeps every worker busy, before the model is
   * READY; the model's meters start from zero afterwards (listeners do see the warm-up jobs).
   *
   * @throws ModelLoadException naming the input when a warm-up prediction fails
   */
  private void warmUp(ModelEntry entry, WorkerPool pool, WarmUp warmUp) {
    if (entry.inputType != Input.class) {
      throw new InvalidSpecException(
          "warmup_inputs: model " + entry.name() + " takes " + entry.inputType.getName() + " inputs, not files");
    }
    long start = System.nanoTime();
    int window = Math.max(1, Math.min(pool.queueCapacity(), 2 * pool.liveWorkers()));
    ArrayDeque<CompletableFuture<Object>> running = new ArrayDeque<>();
    int done = 0;
    for (int i = 0; i < warmUp.iterations(); i++) {
      if (running.size() == window) {
        awaitWarmUp(entry, warmUp, done++, running.poll());
      }
      running.add(pool.submit(warmUp.input(i)));
    }
    while (!running.isEmpty()) {
      awaitWarmUp(entry, warmUp, done++, running.poll());
    }
    metrics.forget(entry.name(), entry.version());
    entry.warmedUp(warmUp);
    LOG.info(
        "Model {} warmed up: {} predictions in {} ms",
        entry.name(),
        warmUp.iterations(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private static void awaitWarmUp(ModelEntry entry, WarmUp warmUp, int i, CompletableFuture<Object> job) {
    try {
      await(job);
    } catch (RuntimeException e) {
      throw new ModelLoadException(
          "Model " + entry.name() + " failed its warm-up on " + warmUp.file(i).getFileName() + ": " + e.getMessage(), e);
    }
  }

  private void bindGauges(ModelEntry entry, WorkerPool pool) {
    String version = entry.version() == null ? "" : entry.version();
    Gauge.builder("servingkit.queue.depth", pool, WorkerPool::queued)
        .description("Jobs waiting in the model's queue")
        .tags("model", entry.name(), "version", version)
        .register(meterRegistry);
    Gauge.builder("servingkit.jobs.in.flight", pool, WorkerPool::outstanding)
        .description("Jobs admitted and not yet answered (queued or running)")
        .tags("model", entry.name(), "version", version)
        .register(meterRegistry);
    for (String state : WORKER_STATES) {
      Gauge.builder("servingkit.workers", pool, p -> p.workers(state))
          .description("Workers of the model by state: starting, ready (idle) or busy")
          .tags("model", entry.name(), "version", version, "state", state)
          .register(meterRegistry);
    }
  }

  /**
   * Unregisters every version of a model.
   *
   * @throws ModelNotFoundException when none is registered
   */
  public void unregister(String name) {
    for (ModelEntry entry : registry.versions(name)) {
      unregister(entry);
    }
  }

  /**
   * Unregisters one version ({@code null}: the latest). Queued jobs fail; running batches finish first.
   *
   * @throws ModelNotFoundException when it is not registered
   */
  public void unregister(String name, String version) {
    unregister(registry.find(name, version));
  }

  private void unregister(ModelEntry entry) {
    if (!registry.remove(entry)) {
      throw new ModelNotFoundException("Model or workflow not found: " + entry.name());
    }
    WorkerPool pool = entry.pool();
    if (pool != null) {
      pool.close();
    }
    releaseFiles(entry);
    metrics.forget(entry.name(), entry.version());
    String version = entry.version() == null ? "" : entry.version();
    Stream.of("servingkit.queue.depth", "servingkit.jobs.in.flight", "servingkit.workers")
        .flatMap(n -> meterRegistry.find(n).tags("model", entry.name(), "version", version).gauges().stream())
        .forEach(meterRegistry::remove);
  }

  /** Removes what the entry's load extracted, downloaded and wrote, once. */
  private static void releaseFiles(ModelEntry entry) {
    Runnable release = entry.release.getAndSet(null);
    if (release != null) {
      release.run();
    }
  }

  /**
   * Changes the worker bounds of a model version ({@code null}: the latest) on every device, starting or
   * stopping workers to fit. Works on an UNHEALTHY model too (new workers start at once).
   *
   * @throws InvalidSpecException when {@code minWorkers > maxWorkers} or either is negative
   * @throws ModelNotReadyException when the model is not loaded
   */
  public ModelDescription scale(String name, String version, int minWorkers, int maxWorkers) {
    ModelEntry entry = registry.find(name, version);
    WorkerPool pool = entry.servingPool();
    if (pool == null) {
      throw new ModelNotReadyException("Model " + name + " is not ready: " + entry.status());
    }
    pool.scale(minWorkers, maxWorkers);
    return entry.describe();
  }

  /**
   * Describes one version, or every version when {@code version} is null.
   *
   * @throws ModelNotFoundException when not registered
   */
  public List<ModelDescription> describe(String name, String version) {
    if (version == null) {
      return registry.versions(name).stream().map(ModelEntry::describe).toList();
    }
    return List.of(registry.find(name, version).describe());
  }

  /**
   * The tensors a model version takes and answers ({@code version} null: the latest registered), as its mode
   * knows them once it is loaded; empty lists while it is loading, when it failed, or when the mode does not know.
   *
   * @throws ModelNotFoundException when not registered
   */
  public ModelSignature signature(String name, String version) {
    WorkerPool pool = registry.find(name, version).pool();
    if (pool == null || pool.groups().isEmpty()) {
      return new ModelSignature(List.of(), List.of());
    }
    return pool.groups().get(0).loaded().signature();
  }

  /**
   * The registered versions of a model, oldest first, without describing them (cheap enough to ask on every request);
   * an unversioned model is the one null entry.
   *
   * @throws ModelNotFoundException when not registered
   */
  public List<String> versions(String name) {
    return registry.versions(name).stream().map(e -> e.version()).toList();
  }

  /**
   * The sample requests a model version's {@code warmup_inputs} names ({@code version} null: the latest), one per
   * file, each with its body under {@code data} and its {@code content-type} property; empty when it names none or
   * is not READY yet. A transport replays them to warm its own request path before it reports ready (the
   * standalone server sends them over loopback HTTP), then calls {@link #resetMetrics}.
   *
   * @throws ModelNotFoundException when not registered
   */
  public List<Input> warmUpInputs(String name, String version) {
    return registry.find(name, version).warmUpInputs();
  }

  /**
   * Starts a model version's request meters (requests by outcome, request, queue and inference time, batch sizes)
   * from zero, as after its own warm-up; gauges are untouched.
   *
   * @throws ModelNotFoundException when not registered
   */
  public void resetMetrics(String name, String version) {
    ModelEntry entry = registry.find(name, version);
    metrics.forget(entry.name(), entry.version());
  }

  /** Every registered model version, in registration order. */
  public List<ModelDescription> list() {
    return registry.all().stream().map(ModelEntry::describe).toList();
  }

  /** Runs a prediction on the latest version of a model. See {@link #predict(String, String, Input)}. */
  public CompletableFuture<Output> predict(String name, Input input) {
    return predict(name, null, input);
  }

  /**
   * Runs a prediction on one version ({@code null}: the latest registered): the one way every job runs.
   *
   * <p>The job is admitted with one decision (refused at once when {@code job_queue_size} jobs of the model are
   * unanswered, or when the model has no worker) and served in arrival order, in batches of up to
   * {@code batch_size}. The server picks the thread that runs it: when a worker is idle and the model's recent
   * batches took under a millisecond, the calling thread runs the batch itself before this returns (a thread
   * hand-off would cost more than the model); otherwise a server thread runs it and this returns at once. So this
   * blocks for at most about one batch of a model that usually answers in under a millisecond; a thread that must
   * never block at all should hand the call to another thread.
   *
   * @return the output; fails with {@link ModelNotFoundException}, {@link ModelNotReadyException},
   *     {@link QueueFullException}, {@link BadInputException}, {@link WorkerDiedException},
   *     {@link PredictTimeoutException}, {@link NotEnoughMemoryException} or another {@link ServingException}
   */
  @SuppressWarnings("unchecked")
  public CompletableFuture<Output> predict(String name, String version, Input input) {
    return (CompletableFuture<Output>) (CompletableFuture<?>) submit(name, version, requireInput(input), Input.class);
  }

  /** Runs a prediction on the latest version of a model and waits for it. See {@link #predictAndWait(String, String, Input)}. */
  public Output predictAndWait(String name, Input input) {
    return predictAndWait(name, null, input);
  }

  /**
   * {@link #predict(String, String, Input)} and waits for its answer.
   *
   * @return the output
   * @throws ServingException the failure {@code predict}'s future would carry ({@link QueueFullException},
   *     {@link BadInputException}, ...)
   */
  public Output predictAndWait(String name, String version, Input input) {
    return (Output) await(submit(name, version, requireInput(input), Input.class));
  }

  private static Input requireInput(Input input) {
    return Objects.requireNonNull(input, "input");
  }

  /** Waits for a job's future and throws its failure as it is. */
  static Object await(CompletableFuture<Object> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw e;
    }
  }

  /** Admits one job of {@code type} for a model whose workers take that type (see {@link #predict}). */
  CompletableFuture<Object> submit(String name, String version, Object input, Class<?> type) {
    ModelEntry entry;
    try {
      entry = registry.find(name, version);
    } catch (ServingException e) {
      return CompletableFuture.failedFuture(e);
    }
    WorkerPool pool = entry.servingPool();
    if (pool == null) {
      String failure = entry.failure();
      return CompletableFuture.failedFuture(
          new ModelNotReadyException(
              "Model " + name + " is not ready: " + entry.status() + (failure == null ? "" : " (" + failure + ")")));
    }
    if (entry.inputType != type) {
      return CompletableFuture.failedFuture(
          new BadInputException(
              "model " + name + " takes " + entry.inputType.getName() + " inputs, not " + type.getName()));
    }
    return pool.submit(input);
  }

  /**
   * The registry the jobs' {@code servingkit.queue} and {@code servingkit.inference} observations go to
   * ({@link Builder#observationRegistry}); {@link ObservationRegistry#NOOP} unless one was given.
   */
  public ObservationRegistry observationRegistry() {
    return observations;
  }

  /** The meter registry the server records into: its own Prometheus registry, plus the one given, if any. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** The server's metrics in the Prometheus text exposition format. */
  public String scrapeMetrics() {
    return prometheus.scrape();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new ModelNotReadyException("The model server is closed");
    }
  }

  /**
   * Unregisters every model (queued jobs fail, running batches finish), stops every thread and process the
   * server started and removes its private work folder. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (ModelEntry entry : registry.all()) {
      registry.remove(entry);
      WorkerPool pool = entry.pool();
      if (pool != null) {
        closing.add(CompletableFuture.runAsync(pool::close, executor));
      }
    }
    try {
      CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).join();
    } catch (CompletionException e) {
      LOG.warn("Closing a model failed", e.getCause());
    }
    scheduler.shutdownNow();
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    prometheus.close();
    if (ownsWorkDir) {
      deleteRecursively(workDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("Could not remove {}", dir, e);
    }
  }

  /** The configuration this server was built with (builder calls included). */
  public ServingConfig config() {
    return config;
  }

  /**
   * Builder of {@link ModelServer}. Settings go into one {@link ServingConfig}: {@link #config(ServingConfig)}
   * takes a whole one (from {@code config.properties}, the environment, ...), and each setter writes one
   * setting into it as an explicit value, which wins over every other source. Each setter checks its argument
   * and names it in the error; {@link #build()} checks the whole and starts the server.
   */
  public static final class Builder {
    private final ServingConfig.Builder config = ServingConfig.builder();
    private final List<ModelSpec> models = new ArrayList<>();
    private final List<ServingListener> listeners = new ArrayList<>();
    private final List<ModeProvider> providers = new ArrayList<>();
    private MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
    private ClassLoader classLoader;
    private ThreadFactory threadFactory;
    private Ticker ticker = Ticker.SYSTEM;
    private MemoryProbe memoryProbe = MemoryProbe.SYSTEM;

    private Builder() {}

    /**
     * Takes every value of {@code configuration}, each keeping its place in the precedence (explicit values,
     * such as this builder's setters, win over the environment, which wins over properties).
     */
    public Builder config(ServingConfig configuration) {
      config.merge(Objects.requireNonNull(configuration, "config"));
      return this;
    }

    /**
     * Sets one setting explicitly.
     *
     * @throws IllegalArgumentException naming the key when the value is out of range
     */
    public <T> Builder set(ServingConfig.Setting<T> setting, T value) {
      config.set(Objects.requireNonNull(setting, "setting"), value);
      return this;
    }

    /**
     * Sets one setting, or a model default, by its {@code config.properties} key and text; checked by
     * {@link #build()}, which names the key if it is unknown or the value malformed.
     */
    public Builder property(String key, String value) {
      config.set(key, value, "builder property " + key);
      return this;
    }

    /** Adds a model entry {@code [name][:version][:engine][:devices]=url}, loaded by {@link #build()}. */
    public Builder model(String entry) {
      models.add(ModelSpec.parse(entry));
      return this;
    }

    /** Adds a model, loaded by {@link #build()}. */
    public Builder model(ModelSpec spec) {
      models.add(Objects.requireNonNull(spec, "spec"));
      return this;
    }

    /** {@code model_store}: a folder whose models are loaded according to {@code load_models} (default ALL). */
    public Builder modelStore(Path folder) {
      return set(ServingConfig.MODEL_STORE, Objects.requireNonNull(folder, "modelStore"));
    }

    /** {@code load_models}: {@code ALL} (every model of the store), {@code NONE}, or model entries. */
    public Builder loadModels(String value) {
      return set(ServingConfig.LOAD_MODELS, Objects.requireNonNull(value, "loadModels"));
    }

    /** Default {@code job_queue_size} for models that do not set it (1000). */
    public Builder jobQueueSize(int size) {
      return set(ServingConfig.JOB_QUEUE_SIZE, size);
    }

    /** Default {@code batch_size} for models that do not set it (1). */
    public Builder batchSize(int size) {
      return set(ServingConfig.BATCH_SIZE, size);
    }

    /** Default {@code max_batch_delay} (100 ms), exact to the nanosecond. */
    public Builder maxBatchDelay(Duration delay) {
      return set(ServingConfig.MAX_BATCH_DELAY, Objects.requireNonNull(delay, "maxBatchDelay"));
    }

    /** Default {@code max_idle_time} (60 s), exact to the nanosecond. */
    public Builder maxIdleTime(Duration idle) {
      return set(ServingConfig.MAX_IDLE_TIME, Objects.requireNonNull(idle, "maxIdleTime"));
    }

    /** Default {@code load_on_devices} ({@code *}). */
    public Builder loadOnDevices(String devices) {
      return set(ServingConfig.LOAD_ON_DEVICES, Objects.requireNonNull(devices, "loadOnDevices"));
    }

    /** Default {@code reserved_memory_mb} (500). */
    public Builder reservedMemoryMb(int mb) {
      return set(ServingConfig.RESERVED_MEMORY_MB, mb);
    }

    /** Any other default model property (a serving.properties key), under every model's own values. */
    public Builder defaultProperty(String key, String value) {
      config.modelDefault(key, value, "builder defaultProperty " + key);
      return this;
    }

    /**
     * {@code omp_num_threads}: threads each CPU worker uses (what OMP_NUM_THREADS says to DJL Serving): the
     * default CPU maxWorkers becomes cores / threads. Unset, the default CPU maxWorkers is 2.
     */
    public Builder ompNumThreads(int threads) {
      return set(ServingConfig.OMP_NUM_THREADS, threads);
    }

    /** {@code gpu_count}: GPUs to spread {@code load_on_devices=*} over (default 0: CPU only). */
    public Builder gpuCount(int count) {
      return set(ServingConfig.GPU_COUNT, count);
    }

    /** Records metrics into this registry too (the server always keeps its own Prometheus registry). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /**
     * Observes every job in this registry: {@code servingkit.queue} from admission until a worker takes the job,
     * then {@code servingkit.inference} while it runs (tagged {@code model} and {@code version}), both children of
     * the observation current on the thread that called {@link ModelServer#predict} (a web framework's server
     * observation). With Micrometer Tracing's handlers in the registry they are the request's child spans; with a
     * meter handler, timers. Default: {@link ObservationRegistry#NOOP}, which records nothing.
     */
    public Builder observationRegistry(ObservationRegistry registry) {
      this.observationRegistry = Objects.requireNonNull(registry, "observationRegistry");
      return this;
    }

    /** Adds an event listener. */
    public Builder listener(ServingListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Adds a mode besides those found with {@link ServiceLoader}. */
    public Builder addModeProvider(ModeProvider provider) {
      providers.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /** The class loader in which mode providers are looked up (default: ServingKit's). */
    public Builder classLoader(ClassLoader loader) {
      this.classLoader = Objects.requireNonNull(loader, "classLoader");
      return this;
    }

    /** {@code work_dir}: a private work folder (sockets, venvs). Default: a new temporary folder removed on close. */
    public Builder workDir(Path folder) {
      return set(ServingConfig.WORK_DIR, Objects.requireNonNull(folder, "workDir"));
    }

    /** {@code cache_dir}: where archives are extracted, keyed by content (default: inside the work folder). */
    public Builder cacheDir(Path folder) {
      return set(ServingConfig.CACHE_DIR, Objects.requireNonNull(folder, "cacheDir"));
    }

    /** {@code download_timeout}: timeout of an http(s) model download (default 5 minutes). */
    public Builder downloadTimeout(Duration timeout) {
      return set(ServingConfig.DOWNLOAD_TIMEOUT, Objects.requireNonNull(timeout, "downloadTimeout"));
    }

    /** {@code max_download_bytes}: largest http(s) model download accepted (default 10 GiB). */
    public Builder maxDownloadBytes(long bytes) {
      return set(ServingConfig.MAX_DOWNLOAD_BYTES, bytes);
    }

    /**
     * Most bytes one archive may expand to (default 10 GiB); a larger archive is refused with a
     * {@link ModelSourceException} naming the limit, and nothing of it is kept.
     */
    public Builder maxExtractedBytes(long bytes) {
      return set(ServingConfig.MAX_EXTRACTED_BYTES, bytes);
    }

    /** Most entries (files, folders, links) one archive may hold (default 10,000). */
    public Builder maxArchiveEntries(int entries) {
      return set(ServingConfig.MAX_ARCHIVE_ENTRIES, entries);
    }

    /**
     * Most bytes an archive may expand to per byte of its own size (default 100), checked once more than 16 MiB
     * have been written.
     */
    public Builder maxExpansionRatio(int ratio) {
      return set(ServingConfig.MAX_EXPANSION_RATIO, ratio);
    }

    /** The factory of the server's threads (test seam; default names them {@code servingkit-N}). */
    public Builder threadFactory(ThreadFactory factory) {
      this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
      return this;
    }

    Builder ticker(Ticker t) {
      this.ticker = Objects.requireNonNull(t, "ticker");
      return this;
    }

    Builder memoryProbe(MemoryProbe probe) {
      this.memoryProbe = Objects.requireNonNull(probe, "memoryProbe");
      return this;
    }

    /**
     * Builds and starts the server and loads its models (given ones, then {@link ServingConfig#startupModels()}),
     * each synchronously.
     *
     * @throws InvalidSpecException when a setting is unknown or malformed (nothing is started)
     * @throws ServingException when a model fails to load; the server is then closed
     */
    public ModelServer build() {
      ServingConfig built = config.build();
      List<ModelSpec> startup = new ArrayList<>(models);
      startup.addAll(built.startupModels());
      ModelServer server = new ModelServer(this, built);
      try {
        for (ModelSpec spec : startup) {
          server.register(spec);
        }
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return server;
    }
  }
}
