package io.servingkit.undertow;

import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * A real {@link ModelServer} behind a {@link ServingApi} on an Undertow listener at 127.0.0.1:0 (as
 * {@link UndertowServerUnderTest} opens it), for tests that talk HTTP to models they configure themselves; closes
 * listener, API and server in that order.
 */
final class ServedOverHttp implements AutoCloseable {

  final ModelServer server;
  final ServingApi api;
  final URI base;
  private final UndertowServerUnderTest listener;

  private ServedOverHttp(ModelServer server, ServingApi api, UndertowServerUnderTest listener, URI base) {
    this.server = server;
    this.api = api;
    this.listener = listener;
    this.base = base;
  }

  /** Builds the server (Python workers run {@code /usr/bin/python3}) and serves it with {@code config}. */
  static ServedOverHttp start(ModelServer.Builder models, ApiConfig config) {
    ModelServer server = models.defaultProperty("option.pythonExecutable", "/usr/bin/python3").build();
    ServingApi api = null;
    try {
      api = new ServingApi(server, config);
      UndertowServerUnderTest listener = new UndertowServerUnderTest();
      return new ServedOverHttp(server, api, listener, listener.start(api));
    } catch (RuntimeException e) {
      if (api != null) {
        api.close();
      }
      server.close();
      throw e;
    }
  }

  /** The folder of a test resource {@code /python/<name>/model.py}. */
  static Path pythonModel(String name) {
    try {
      return Path.of(ServedOverHttp.class.getResource("/python/" + name + "/model.py").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } finally {
      try {
        api.close();
      } finally {
        server.close();
      }
    }
  }
}
