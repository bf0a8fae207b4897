package io.servingkit.undertow;

import io.servingkit.api.ServingApi;
import io.servingkit.api.conformance.ServerUnderTest;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Serves a {@link ServingApi} through {@link ServingHandler} on an Undertow listener at 127.0.0.1:0. */
final class UndertowServerUnderTest implements ServerUnderTest {

  private final List<Undertow> servers = new ArrayList<>();

  @Override
  public URI start(ServingApi api) {
    Undertow undertow =
        Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(new ServingHandler(api)).build();
    undertow.start();
    servers.add(undertow);
    InetSocketAddress address = (InetSocketAddress) undertow.getListenerInfo().get(0).getAddress();
    return URI.create("http://127.0.0.1:" + address.getPort());
  }

  @Override
  public void close() {
    servers.forEach(Undertow::stop);
    servers.clear();
  }
}
