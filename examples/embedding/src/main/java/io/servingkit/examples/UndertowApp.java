package io.servingkit.examples;

import io.servingkit.ModelServer;
import io.servingkit.api.ServingApi;
import io.servingkit.undertow.ServingHandler;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * An existing Undertow application that mounts ServingKit's REST API under {@code /ml} next to its own
 * {@code /hello} route. The application owns the Undertow server and the {@link ModelServer}; ServingKit adds
 * one handler.
 *
 * <p>Try: {@code curl http://127.0.0.1:8081/hello} and
 * {@code curl -T examples/models/digit-images/3.png http://127.0.0.1:8081/ml/predictions/digits}.
 */
public final class UndertowApp implements AutoCloseable {
  private final ModelServer models;
  private final ServingApi api;
  private final Undertow undertow;

  /** Starts the application on {@code port} (0 picks a free one) serving {@code models/digits-pt}. */
  public UndertowApp(Path modelsDir, int port) {
    models = ModelServer.builder().model("digits=file:" + modelsDir.resolve("digits-pt").toAbsolutePath()).build();
    api = new ServingApi(models);
    PathHandler routes =
        Handlers.path()
            .addExactPath(
                "/hello",
                exchange -> {
                  exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain");
                  exchange.getResponseSender().send("hello from the application");
                })
            .addPrefixPath("/ml", new ServingHandler(api));
    undertow = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(routes).build();
    undertow.start();
  }

  /** The port the application listens on. */
  public int port() {
    return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
  }

  @Override
  public void close() {
    undertow.stop();
    api.close();
    models.close();
  }

  /** Usage: {@code UndertowApp [examples/models] [port]}; stops on Ctrl-C. */
  public static void main(String[] args) {
    UndertowApp app =
        new UndertowApp(
            Path.of(args.length > 0 ? args[0] : "examples/models"), args.length > 1 ? Integer.parseInt(args[1]) : 8081);
    Runtime.getRuntime().addShutdownHook(new Thread(app::close));
    System.out.println("curl http://127.0.0.1:" + app.port() + "/hello");
    System.out.println(
        "curl -T examples/models/digit-images/3.png http://127.0.0.1:" + app.port() + "/ml/predictions/digits");
  }
}
