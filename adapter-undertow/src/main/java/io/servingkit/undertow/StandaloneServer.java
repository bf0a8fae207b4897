package io.servingkit.undertow;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: one {@link ModelServer}, and one Undertow listener (both endpoint groups) or two
 * (inference and management apart), each behind a {@link Replica.Gate}.
 *
 * <p>{@link #open} starts listening at once (liveness answers, readiness does not); {@link #loadModels} loads
 * the startup models and makes the replica ready; {@link #close} drains: readiness false, new requests still
 * served for {@code drain_delay}, then refused with 503 while those in flight finish (up to
 * {@code drain_timeout}), then everything stops.
 *
 * <p>Threading: {@link #open} and {@link #loadModels} are called once each by the starting thread;
 * {@link #close} once, from any thread (a shutdown hook), also while the models load.
 */
final class StandaloneServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

  /** How long {@link #close} waits for the models to close after the drain. */
  static final Duration CLOSE_MODELS = Duration.ofSeconds(5);

  private final ServingConfig config;
  private final Replica replica = new Replica();
  private final List<Replica.Gate> gates = new ArrayList<>();
  private final List<ApiConfig> apiConfigs = new ArrayList<>();
  private final List<ServingApi> apis = new CopyOnWriteArrayList<>();
  private final CountDownLatch loadingEnded = new CountDownLatch(1);
  private final Undertow undertow;
  private final List<URI> addresses;
  private final boolean split;
  private volatile ModelServer models;

  private StandaloneServer(ServingConfig config) {
    this.config = config;
    ServingConfig.Address inference = config.get(ServingConfig.INFERENCE_ADDRESS);
    ServingConfig.Address management = config.managementAddress();
    this.split = !inference.equals(management);
    Undertow.Builder builder = Undertow.builder();
    if (split) {
      builder.addHttpListener(inference.port(), inference.host(), gate(ApiConfig.from(config, ApiConfig.Endpoints.INFERENCE)));
      builder.addHttpListener(
          management.port(), management.host(), gate(ApiConfig.from(config, ApiConfig.Endpoints.MANAGEMENT)));
    } else {
      builder.addHttpListener(inference.port(), inference.host(), gate(ApiConfig.from(config, ApiConfig.Endpoints.ALL)));
    }
    this.undertow = builder.build();
    undertow.start();
    List<URI> bound = new ArrayList<>();
    for (Undertow.ListenerInfo info : undertow.getListenerInfo()) {
      InetSocketAddress a = (InetSocketAddress) info.getAddress();
      String host = a.getAddress().getHostAddress();
      bound.add(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort()));
    }
    this.addresses = List.copyOf(bound);
  }

  private Replica.Gate gate(ApiConfig api) {
    Replica.Gate gate = replica.gate();
    gates.add(gate);
    apiConfigs.add(api);
    return gate;
  }

  /**
   * Opens the listeners: liveness answers, readiness and everything else answer 503 until {@link #loadModels}.
   *
   * @throws RuntimeException when a listener cannot bind
   */
  static StandaloneServer open(ServingConfig config) {
    return new StandaloneServer(config);
  }

  /**
   * Loads the startup models and opens the gates; the replica is ready afterwards, unless {@link #close} began.
   *
   * @throws io.servingkit.ServingException when a startup model fails to load (the listeners keep running
   *     until {@link #close})
   */
  void loadModels() {
    try {
      ModelServer built = ModelServer.builder().config(config).build();
      List<ServingApi> made = new ArrayList<>();
      for (int i = 0; i < gates.size(); i++) {
        ServingApi api = new ServingApi(built, apiConfigs.get(i));
        made.add(api);
        gates.get(i).open(new ServingHandler(api));
      }
      apis.addAll(made);
      models = built;
      replica.ready();
    } finally {
      loadingEnded.countDown();
    }
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
   * Drains and stops: readiness false at once; a replica that was ready keeps serving new requests for
   * {@code drain_delay}; then new requests get 503 while those in flight finish, up to {@code drain_timeout};
   * then the models close, given at most {@link #CLOSE_MODELS}. Returns within {@code drain_delay +
   * drain_timeout} plus that (plus {@code drain_timeout} again when it began while startup models loaded).
   */
  @Override
  public void close() {
    boolean wasReady = replica.state() == Replica.State.READY;
    replica.draining();
    Duration delay = config.get(ServingConfig.DRAIN_DELAY);
    Duration timeout = config.get(ServingConfig.DRAIN_TIMEOUT);
    try {
      if (wasReady && !delay.isZero()) {
        LOG.info("Draining: readiness is false; new requests are served for {} more", delay);
        Thread.sleep(delay.toMillis());
      }
      if (!replica.refuseAndAwaitIdle(timeout)) {
        LOG.warn("{} requests still running after {}; stopping anyway", replica.inFlight(), timeout);
      }
      if (!loadingEnded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Startup models still loading after {}; stopping anyway", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    undertow.stop();
    // the models' own close may wait on a stuck worker; the process must not: it gets CLOSE_MODELS at most
    Thread closing = new Thread(this::closeModels, "servingkit-close");
    closing.setDaemon(true);
    closing.start();
    try {
      closing.join(CLOSE_MODELS.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (closing.isAlive()) {
      LOG.warn("Models still closing after {}; stopping anyway", CLOSE_MODELS);
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
