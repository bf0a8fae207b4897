package io.servingkit.undertow;

import ai.djl.modality.Input;
import io.servingkit.ModelDescription;
import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.BodyBudget;
import io.servingkit.api.ServingApi;
import io.servingkit.api.TokenAuthorization;
import io.servingkit.grpc.GrpcServer;
import io.servingkit.grpc.InferenceService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: one {@link ModelServer}, and one listener (both endpoint groups) or two (inference and
 * management apart), plain HTTP or TLS, each behind a {@link Replica.Gate}; and, when {@code grpc_address} is
 * set, the Open Inference Protocol's gRPC service ({@link GrpcServer}, messages up to {@code max_request_size}),
 * opened once the startup models are loaded and stopped with the listeners. Every listener shares one
 * {@link BodyBudget} and the head timeouts of {@link ServingHandler#listenerOptions}.
 *
 * <p>{@link #open} starts listening at once (liveness answers, readiness does not); {@link #loadModels} loads
 * the startup models and makes the replica ready; {@link #close()} drains: readiness false, new requests still
 * served for {@code drain_delay}, then refused with a JSON 503 while those in flight finish (up to
 * {@code drain_timeout}), then everything stops.
 *
 * <p>Threading: {@link #open} and {@link #loadModels} are called once each by the starting thread; close once,
 * from any thread (a shutdown hook), also while the models load.
 */
final class StandaloneServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

  /** What {@link #close()} keeps, after {@code drain_timeout}, for stopping the listeners and the models. */
  static final Duration CLOSE_MODELS = Duration.ofSeconds(5);

  private final ServingConfig config;
  private final Replica replica = new Replica();
  private final List<Replica.Gate> gates = new ArrayList<>();
  private final List<ApiConfig> apiConfigs = new ArrayList<>();
  private final List<ServingApi> apis = new CopyOnWriteArrayList<>();
  private final CountDownLatch loadingEnded = new CountDownLatch(1);
  private final Listeners listeners;
  private final List<URI> addresses;
  private final boolean split;
  private volatile ModelServer models;
  private final ReentrantLock grpcLock = new ReentrantLock();
  private GrpcServer grpc; // guarded by grpcLock
  private boolean grpcClosed; // guarded by grpcLock

  private final TokenAuthorization tokens;
  private final Path keyFile;

  private StandaloneServer(ServingConfig config) {
    this.config = config;
    this.keyFile = config.get(ServingConfig.KEY_FILE);
    this.tokens =
        tokenAuthorizationOn(config)
            ? TokenAuthorization.create(Duration.ofMinutes(config.get(ServingConfig.TOKEN_EXPIRATION_MIN)), keyFile)
            : null;
    if (tokens != null) {
      LOG.info("Token authorization enabled: keys written to {}", keyFile.toAbsolutePath());
    }
    ServingConfig.Address inference = config.get(ServingConfig.INFERENCE_ADDRESS);
    ServingConfig.Address management = config.managementAddress();
    this.split = !inference.equals(management);
    BodyBudget budget = ApiConfig.bodyBudget(config);
    SSLContext tls = inference.tls() || management.tls() ? TlsMaterial.from(config).sslContext() : null;
    List<Listeners.Listener> wanted = new ArrayList<>();
    if (split) {
      wanted.add(listener(inference, tls, apiConfig(config, ApiConfig.Endpoints.INFERENCE, budget, tokens, replica)));
      wanted.add(listener(management, tls, apiConfig(config, ApiConfig.Endpoints.MANAGEMENT, budget, tokens, replica)));
    } else {
      wanted.add(listener(inference, tls, apiConfig(config, ApiConfig.Endpoints.ALL, budget, tokens, replica)));
    }
    this.listeners =
        Listeners.open(wanted, ServingHandler.serverOptions(ApiConfig.from(config, ApiConfig.Endpoints.ALL, budget)));
    this.addresses = listeners.addresses();
  }

  private Listeners.Listener listener(ServingConfig.Address address, SSLContext tls, ApiConfig api) {
    Replica.Gate gate = replica.gate();
    gates.add(gate);
    apiConfigs.add(api);
    return new Listeners.Listener(
        address, address.tls() ? tls : null, new RequestLogHandler(gate, AccessLog.from(config)), gate::unparsableRequestAnswer);
  }

  /**
   * Opens the listeners: liveness answers, readiness and everything else answer 503 until {@link #loadModels}.
   *
   * @throws RuntimeException when a listener cannot bind or its TLS material is bad
   */
  static StandaloneServer open(ServingConfig config) {
    return new StandaloneServer(config);
  }

  /**
   * Opens the listeners and loads the startup models.
   *
   * @throws io.servingkit.ServingException when a startup model fails to load (nothing is left running)
   */
  static StandaloneServer start(ServingConfig config) {
    StandaloneServer server = open(config);
    try {
      server.loadModels();
    } catch (RuntimeException e) {
      server.close(Duration.ofSeconds(5));
      throw e;
    }
    return server;
  }

  /**
   * Loads the startup models and opens the gates; the replica is ready afterwards, unless closing began.
   *
   * @throws io.servingkit.ServingException when a startup model fails to load (the listeners keep running
   *     until closed)
   */
  void loadModels() {
    try {
      ModelServer built = ModelServer.builder().config(config).build();
      for (int i = 0; i < gates.size(); i++) {
        ServingApi api = new ServingApi(built, apiConfigs.get(i));
        apis.add(api);
        gates.get(i).open(new ServingHandler(api));
      }
      warmUpHttp(built);
      models = built;
      startGrpc(built);
      replica.ready();
    } finally {
      loadingEnded.countDown();
    }
  }

  /**
   * Sends the startup models' warm-up inputs over loopback HTTP ({@link HttpWarmUp}), unless none sets any or
   * {@code http_warmup_timeout} is 0, then starts their meters from zero. They go to a listener of their own on an
   * ephemeral loopback port, open only meanwhile on the same IO threads, whose handlers are the inference
   * listener's (the same {@link ServingApi}, a gate of a replica that is READY, the access log's format to
   * {@value AccessLog#WARM_UP_LOGGER}), so that the JIT compiler sees exactly the path real requests take.
   */
  private void warmUpHttp(ModelServer built) {
    Duration bound = config.get(ServingConfig.HTTP_WARMUP_TIMEOUT);
    List<HttpWarmUp.Prediction> predictions = new ArrayList<>();
    List<ModelDescription> warmed = new ArrayList<>();
    for (ModelDescription d : built.list()) {
      List<Input> inputs = built.warmUpInputs(d.modelName(), d.version());
      // names and versions are letters, digits, '.', '-' and '_' (ModelSpec): safe in a path as they are
      String path = "/predictions/" + d.modelName() + (d.version() == null ? "" : "/" + d.version());
      inputs.forEach(i -> predictions.add(new HttpWarmUp.Prediction(path, i)));
      if (!inputs.isEmpty()) {
        warmed.add(d);
      }
    }
    if (predictions.isEmpty() || bound.isZero()) {
      return;
    }
    Replica warming = new Replica();
    warming.ready();
    Replica.Gate gate = warming.gate();
    gate.open(new ServingHandler(apis.get(0)));
    AccessLog accessLog = AccessLog.from(config);
    Listeners.Listener listener =
        new Listeners.Listener(new ServingConfig.Address(InetAddress.getLoopbackAddress().getHostAddress(), 0), null,
            new RequestLogHandler(gate, accessLog == null ? null : accessLog.warmUp()), gate::unparsableRequestAnswer);
    try (Listeners.Beside loopback = listeners.openBeside(listener)) {
      HttpWarmUp warmUp =
          new HttpWarmUp(loopback.address(), predictions, tokens == null ? null : "Bearer " + tokens.inferenceKey(),
              HttpWarmUp.connectionsFor(Runtime.getRuntime().availableProcessors()));
      HttpWarmUp.Result r = warmUp.run(bound, () -> replica.state() == Replica.State.STARTING);
      if (r.failed()) {
        LOG.warn("HTTP warm-up stopped after {} predictions in {} ms: {}; the server gets ready without it",
            r.predictions(), r.took().toMillis(), r.stoppedBecause());
      } else {
        LOG.info("HTTP path warmed up: {} predictions over loopback in {} ms ({})", r.predictions(),
            r.took().toMillis(), r.stoppedBecause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      // a prediction whose client gave up may still be running: its meters must not outlive the reset
      if (!warming.refuseAndAwaitIdle(Duration.ofSeconds(30))) {
        LOG.warn("{} warm-up requests still running; their predictions may show in the metrics", warming.inFlight());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    warmed.forEach(d -> built.resetMetrics(d.modelName(), d.version()));
  }

  /** Opens the gRPC service on {@code grpc_address}, if set, unless closing began. */
  private void startGrpc(ModelServer built) {
    Optional<ServingConfig.Address> address = config.find(ServingConfig.GRPC_ADDRESS);
    if (address.isEmpty()) {
      return;
    }
    ServingConfig.Address a = address.get();
    grpcLock.lock();
    try {
      if (grpcClosed) {
        return;
      }
      grpc = GrpcServer.start(new InferenceService(built, replica::takingTraffic),
          new InetSocketAddress(a.host(), a.port()), config.get(ServingConfig.MAX_REQUEST_SIZE));
      LOG.info("Open Inference Protocol gRPC service on {}:{}", a.host(), grpc.port());
    } finally {
      grpcLock.unlock();
    }
  }

  /** Stops the gRPC service, if open, and keeps it from opening: running calls get up to {@code bound}. */
  private void stopGrpc(Duration bound) {
    GrpcServer open;
    grpcLock.lock();
    try {
      grpcClosed = true;
      open = grpc;
    } finally {
      grpcLock.unlock();
    }
    if (open != null) {
      open.close(bound);
    }
  }

  /** The host {@code grpc_address} names (meaningful when {@link #grpcPort} is present). */
  String grpcHost() {
    return config.find(ServingConfig.GRPC_ADDRESS).map(ServingConfig.Address::host).orElse("");
  }

  /** The port of the gRPC service, once open and until closed. */
  Optional<Integer> grpcPort() {
    grpcLock.lock();
    try {
      return grpc == null || grpcClosed ? Optional.empty() : Optional.of(grpc.port());
    } finally {
      grpcLock.unlock();
    }
  }

  /**
   * The configuration's API settings; {@code POST /server/logging} sets this JVM's Logback levels; core's server
   * readiness includes the replica's state.
   */
  private static ApiConfig apiConfig(
      ServingConfig config, ApiConfig.Endpoints endpoints, BodyBudget budget, TokenAuthorization tokens,
      Replica replica) {
    ApiConfig.Builder b =
        ApiConfig.builder(config, endpoints, budget).tokenAuthorization(tokens).takingTraffic(replica::takingTraffic);
    LogbackLevels.ofCurrentBackend().ifPresent(b::logLevels);
    return b.build();
  }

  /** The model server (null until {@link #loadModels} returned). */
  ModelServer models() {
    return models;
  }

  /** The bound addresses: one, or the inference then the management address. */
  List<URI> addresses() {
    return addresses;
  }

  /** Whether inference and management listen apart. */
  boolean split() {
    return split;
  }

  /**
   * Whether requests must carry keys: {@code disable_token_authorization} (TorchServe's key) when set, else on
   * exactly when the management API listens on an address that is not loopback.
   */
  static boolean tokenAuthorizationOn(ServingConfig config) {
    Optional<Boolean> disabled = config.find(ServingConfig.DISABLE_TOKEN_AUTHORIZATION);
    if (disabled.isPresent()) {
      return !disabled.get();
    }
    return !isLoopback(config.managementAddress().host());
  }

  /** Whether a listener host is a loopback address (a name is resolved; one that does not resolve is not). */
  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The keys requests must carry, when token authorization is on. */
  Optional<TokenAuthorization> tokens() {
    return Optional.ofNullable(tokens);
  }

  /** Where the keys are written. */
  Path keyFile() {
    return keyFile;
  }

  /**
   * Drains and stops: readiness false at once; a replica that was ready keeps serving new requests for
   * {@code drain_delay}; then new requests get 503 while those in flight finish, up to {@code drain_timeout};
   * then listeners and models stop, given {@link #CLOSE_MODELS}. Returns within {@code drain_delay +
   * drain_timeout + 5 s}.
   */
  @Override
  public void close() {
    close(config.get(ServingConfig.DRAIN_DELAY), config.get(ServingConfig.DRAIN_TIMEOUT), CLOSE_MODELS);
  }

  /** Drains without a delay and stops, all within {@code bound} (a fifth of it, at most 5 s, kept for stopping). */
  void close(Duration bound) {
    Duration reserve = Duration.ofNanos(Math.min(CLOSE_MODELS.toNanos(), bound.toNanos() / 5));
    close(Duration.ZERO, bound.minus(reserve), reserve);
  }

  private void close(Duration delay, Duration drain, Duration stop) {
    boolean wasReady = replica.state() == Replica.State.READY;
    replica.draining();
    try {
      if (wasReady && !delay.isZero()) {
        LOG.info("Draining: readiness is false; new requests are served for {} more", delay);
        Thread.sleep(delay.toMillis());
      }
      long drainEnd = System.nanoTime() + drain.toNanos();
      if (!replica.refuseAndAwaitIdle(drain)) {
        LOG.warn("{} requests still running after {}; stopping anyway", replica.inFlight(), drain);
      }
      if (!loadingEnded.await(Math.max(0, drainEnd - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        LOG.warn("Startup models still loading; stopping anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long deadline = System.nanoTime() + stop.toNanos();
    listeners.close();
    stopGrpc(Duration.ofNanos(Math.max(0, (deadline - System.nanoTime()) / 2)));
    // the models' own close may wait on a stuck worker or registration; closing must not
    Thread stopping = new Thread(this::closeModels, "servingkit-stop");
    stopping.setDaemon(true);
    stopping.start();
    try {
      stopping.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopping.isAlive()) {
      LOG.warn("Stopping the models did not finish within {}; leaving it behind", stop);
    }
  }

  private void closeModels() {
    apis.forEach(ServingApi::close);
    ModelServer m = models;
    if (m != null) {
      m.close();
    }
  }
}
