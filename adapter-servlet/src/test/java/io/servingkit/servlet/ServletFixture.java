package io.servingkit.servlet;

import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A model server with test-mode models, its API, and a container serving it through {@link ServingServlet}. */
final class ServletFixture implements AutoCloseable {

  final TestModes modes = new TestModes();
  final ModelServer server;
  final ServingApi api;
  final EmbeddedContainer container;

  private ServletFixture(Builder b) throws Exception {
    ModelServer.Builder sb = ModelServer.builder().addModeProvider(modes);
    for (Map.Entry<String, String> m : b.models.entrySet()) {
      Path dir = Files.createDirectories(b.dir.resolve(m.getKey()));
      Files.writeString(dir.resolve("serving.properties"), "engine=Python\n" + m.getValue());
      sb.model(ModelSpec.of(m.getKey(), null, dir.toUri().toString(), Map.of()));
    }
    server = sb.build();
    ServingApi a = null;
    EmbeddedContainer c = null;
    try {
      a = new ServingApi(server, b.config);
      c = EmbeddedContainer.start(b.kind, new ServingServlet(a, b.timeout), b.mount);
    } catch (Exception | Error e) {
      if (a != null) {
        a.close();
      }
      server.close();
      throw e;
    }
    api = a;
    container = c;
  }

  static Builder builder(EmbeddedContainer.Kind kind, Path dir) {
    return new Builder(kind, dir);
  }

  String url(String path) {
    return container.base() + path;
  }

  String path(String path) {
    return container.base().getPath() + path;
  }

  RawHttp raw() throws IOException {
    return new RawHttp(container.port());
  }

  @Override
  public void close() {
    try {
      container.close();
    } finally {
      api.close();
      server.close();
    }
  }

  static final class Builder {
    private final EmbeddedContainer.Kind kind;
    private final Path dir;
    private final Map<String, String> models = new LinkedHashMap<>();
    private ApiConfig config = ApiConfig.defaults();
    private Duration timeout = Duration.ofSeconds(30);
    private EmbeddedContainer.Mount mount = EmbeddedContainer.Mount.root();

    private Builder(EmbeddedContainer.Kind kind, Path dir) {
      this.kind = kind;
      this.dir = dir;
    }

    /** A model named {@code name} with these serving.properties lines (test_mode=...). */
    Builder model(String name, String properties) {
      models.put(name, properties);
      return this;
    }

    Builder config(ApiConfig c) {
      this.config = c;
      return this;
    }

    Builder timeout(Duration t) {
      this.timeout = t;
      return this;
    }

    Builder mount(EmbeddedContainer.Mount m) {
      this.mount = m;
      return this;
    }

    ServletFixture start() throws Exception {
      return new ServletFixture(this);
    }
  }
}
