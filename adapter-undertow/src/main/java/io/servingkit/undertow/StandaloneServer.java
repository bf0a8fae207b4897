package io.servingkit.undertow;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.BodyBudget;
import io.servingkit.api.ServingApi;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: one {@link ModelServer}, and one listener (both endpoint groups) or two
 * (inference and management apart), plain HTTP or TLS, each behind a {@link ShutdownGate} so that closing
 * drains the requests in flight and answers new ones with a JSON 503. Every listener shares one
 * {@link BodyBudget} and the head timeouts of {@link ServingHandler#listenerOptions}.
 *
 * <p>Threading: {@link #start} and {@link #close} are called once each, from any thread.
 */
final class StandaloneServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

  private final ModelServer models;
  private final List<ServingApi> apis;
  private final List<ShutdownGate> gates;
  private final Listeners listeners;
  private final List<URI> addresses;
  private final boolean split;

  private StandaloneServer(
      ModelServer models, List<ServingApi> apis, List<ShutdownGate> gates, Listeners listeners, boolean split) {
    this.models = models;
    this.apis = apis;
    this.gates = gates;
    this.listeners = listeners;
    this.split = split;
    this.addresses = listeners.addresses();
  }

  /**
   * Loads the startup models, then opens the listeners.
   *
   * @throws io.servingkit.ServingException when a startup model fails to load (nothing is left running)
   */
  static StandaloneServer start(ServingConfig config) {
    ModelServer models = ModelServer.builder().config(config).build();
    List<ServingApi> apis = new ArrayList<>();
    List<ShutdownGate> gates = new ArrayList<>();
    try {
      ServingConfig.Address inference = config.get(ServingConfig.INFERENCE_ADDRESS);
      ServingConfig.Address management = config.managementAddress();
      boolean split = !inference.equals(management);
      BodyBudget budget = ApiConfig.bodyBudget(config);
      SSLContext tls = inference.tls() || management.tls() ? TlsMaterial.from(config).sslContext() : null;
      List<Listeners.Listener> listeners = new ArrayList<>();
      if (split) {
        listeners.add(listener(inference, tls, models, apiConfig(config, ApiConfig.Endpoints.INFERENCE, budget), apis, gates));
        listeners.add(listener(management, tls, models, apiConfig(config, ApiConfig.Endpoints.MANAGEMENT, budget), apis, gates));
      } else {
        listeners.add(listener(inference, tls, models, apiConfig(config, ApiConfig.Endpoints.ALL, budget), apis, gates));
      }
      Listeners open =
          Listeners.open(listeners, ServingHandler.serverOptions(ApiConfig.from(config, ApiConfig.Endpoints.ALL, budget)));
      return new StandaloneServer(models, apis, gates, open, split);
    } catch (RuntimeException e) {
      apis.forEach(ServingApi::close);
      models.close();
      throw e;
    }
  }

  /** The configuration's API settings; {@code POST /server/logging} sets this JVM's Logback levels. */
  private static ApiConfig apiConfig(ServingConfig config, ApiConfig.Endpoints endpoints, BodyBudget budget) {
    ApiConfig.Builder b = ApiConfig.builder(config, endpoints, budget);
    LogbackLevels.ofCurrentBackend().ifPresent(b::logLevels);
    return b.build();
  }

  private static Listeners.Listener listener(
      ServingConfig.Address address,
      SSLContext tls,
      ModelServer models,
      ApiConfig config,
      List<ServingApi> apis,
      List<ShutdownGate> gates) {
    ServingApi api = new ServingApi(models, config);
    apis.add(api);
    ServingHandler serving = new ServingHandler(api);
    ShutdownGate gate = new ShutdownGate(serving);
    gates.add(gate);
    return new Listeners.Listener(
        address,
        address.tls() ? tls : null,
        new RequestLogHandler(gate, AccessLog.of("combined")),
        serving::unparsableRequestAnswer);
  }

  /** The model server. */
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
   * Stops taking requests (new ones are answered 503 with a JSON body), waits for those in flight, then stops
   * the listeners, the APIs and the model server, all within {@code bound}: the requests in flight get what is
   * left of it after a reserve for stopping (a fifth of it, at most 5 s), and when stopping itself runs past the
   * bound (a registration that does not return) it is left to finish in the background and this method returns.
   */
  void close(Duration bound) {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    long reserve = Math.min(Duration.ofSeconds(5).toNanos(), bound.toNanos() / 5);
    gates.forEach(ShutdownGate::shutdown);
    for (ShutdownGate gate : gates) {
      long left = Math.max(0, (deadline - reserve - System.nanoTime()) / 1_000_000);
      try {
        if (!gate.awaitShutdown(left)) {
          LOG.warn("Requests still running after {} s; stopping anyway", (System.nanoTime() - start) / 1_000_000_000);
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    listeners.close();
    Thread stopping =
        new Thread(
            () -> {
              apis.forEach(ServingApi::close);
              models.close();
            },
            "servingkit-stop");
    stopping.setDaemon(true);
    stopping.start();
    try {
      stopping.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (stopping.isAlive()) {
      LOG.warn("Stopping the models did not finish within {}; leaving it behind", bound);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
