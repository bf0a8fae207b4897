package io.servingkit.undertow;

import io.servingkit.ServingConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.api.conformance.ServerUnderTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves a {@link ServingApi} through {@link ServingHandler} on a listener at 127.0.0.1:0 opened the way the
 * standalone server opens its own ({@link Listeners}: its listener options, and JSON answers to requests Undertow
 * cannot parse). {@code ServingHandlerMountTest} covers a handler mounted in a plain {@code Undertow.builder()}.
 */
final class UndertowServerUnderTest implements ServerUnderTest {

  private final List<Listeners> servers = new ArrayList<>();

  @Override
  public URI start(ServingApi api) {
    return start(api, "127.0.0.1");
  }

  @Override
  public URI start(ServingApi api, String host) {
    ServingHandler handler = new ServingHandler(api);
    Listeners listeners =
        Listeners.open(
            List.of(
                new Listeners.Listener(
                    new ServingConfig.Address(host, 0, false), null, handler, handler::unparsableRequestAnswer)),
            ServingHandler.serverOptions(api.config()));
    servers.add(listeners);
    return listeners.addresses().get(0);
  }

  /** Undertow's chunk decoder closes the connection on a framing error before any handler can answer. */
  @Override
  public boolean answersBrokenChunkedFraming() {
    return false;
  }

  @Override
  public void close() {
    servers.forEach(Listeners::close);
    servers.clear();
  }
}
