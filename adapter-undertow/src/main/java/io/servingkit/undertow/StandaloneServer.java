package io.servingkit.undertow;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.undertow.Undertow;
import io.undertow.server.handlers.GracefulShutdownHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: one {@link ModelServer}, and one Undertow listener (both endpoint groups) or two
 * (inference and management apart), each behind a {@link GracefulShutdownHandler} so that closing drains the
 * requests in flight.
 *
 * <p>Threading: {@link #start} and {@link #close} are called once each, from any thread.
 */
final class StandaloneServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

  private final ModelServer models;
  private final List<ServingApi> apis;
  private final List<GracefulShutdownHandler> gates;
  private final Undertow undertow;
  private final List<URI> addresses;
  private final boolean split;

  private StandaloneServer(
      ModelServer models, List<ServingApi> apis, List<GracefulShutdownHandler> gates, Undertow undertow, boolean split) {
    this.models = models;
    this.apis = apis;
    this.gates = gates;
    this.undertow = undertow;
    this.split = split;
    List<URI> bound = new ArrayList<>();
    for (Undertow.ListenerInfo info : undertow.getListenerInfo()) {
      InetSocketAddress a = (InetSocketAddress) info.getAddress();
      String host = a.getAddress().getHostAddress();
      bound.add(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort()));
    }
    this.addresses = List.copyOf(bound);
  }

  /**
   * Loads the startup models, then opens the listeners.
   *
   * @throws io.servingkit.ServingException when a startup model fails to load (nothing is left running)
   */
  static StandaloneServer start(ServingConfig config) {
    ModelServer models = ModelServer.builder().config(config).build();
    List<ServingApi> apis = new ArrayList<>();
    List<GracefulShutdownHandler> gates = new ArrayList<>();
    try {
      ServingConfig.Address inference = config.get(ServingConfig.INFERENCE_ADDRESS);
      ServingConfig.Address management = config.managementAddress();
      boolean split = !inference.equals(management);
      Undertow.Builder builder = Undertow.builder();
      if (split) {
        builder.addHttpListener(
            inference.port(), inference.host(), handler(models, ApiConfig.from(config, ApiConfig.Endpoints.INFERENCE), apis, gates));
        builder.addHttpListener(
            management.port(), management.host(), handler(models, ApiConfig.from(config, ApiConfig.Endpoints.MANAGEMENT), apis, gates));
      } else {
        builder.addHttpListener(
            inference.port(), inference.host(), handler(models, ApiConfig.from(config, ApiConfig.Endpoints.ALL), apis, gates));
      }
      Undertow undertow = builder.build();
      undertow.start();
      return new StandaloneServer(models, apis, gates, undertow, split);
    } catch (RuntimeException e) {
      apis.forEach(ServingApi::close);
      models.close();
      throw e;
    }
  }

  private static GracefulShutdownHandler handler(
      ModelServer models, ApiConfig config, List<ServingApi> apis, List<GracefulShutdownHandler> gates) {
    ServingApi api = new ServingApi(models, config);
    apis.add(api);
    GracefulShutdownHandler gate = new GracefulShutdownHandler(new RequestLogHandler(new ServingHandler(api), AccessLog.of("combined")));
    gates.add(gate);
    return gate;
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

  /** Stops taking requests, waits up to {@code drain} for those in flight, then stops everything. */
  void close(Duration drain) {
    gates.forEach(GracefulShutdownHandler::shutdown);
    long deadline = System.nanoTime() + drain.toNanos();
    for (GracefulShutdownHandler gate : gates) {
      long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
      try {
        if (!gate.awaitShutdown(left)) {
          LOG.warn("Requests still running after {}; stopping anyway", drain);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    undertow.stop();
    apis.forEach(ServingApi::close);
    models.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
