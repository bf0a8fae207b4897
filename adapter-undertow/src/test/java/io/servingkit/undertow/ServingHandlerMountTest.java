package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
import io.servingkit.api.ServingApi;
import io.undertow.Handlers;
import io.undertow.Undertow;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ServingHandler under a path prefix of a host application's Undertow server. */
class ServingHandlerMountTest {

  @Test
  void servesUnderAPathPrefix() throws Exception {
    try (ModelServer models = ModelServer.builder().build();
        ServingApi api = new ServingApi(models)) {
      Undertow undertow =
          Undertow.builder()
              .addHttpListener(0, "127.0.0.1")
              .setHandler(
                  Handlers.path()
                      .addPrefixPath("/ml", new ServingHandler(api))
                      .addExactPath("/health", exchange -> exchange.getResponseSender().send("app")))
              .build();
      undertow.start();
      try {
        int port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ping =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ml/ping")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.body()).isEqualTo("{}\n");
        HttpResponse<String> models404 =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ml/models/none")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models404.statusCode()).isEqualTo(404);
        assertThat(models404.body()).contains("Workflow not found: none");
        HttpResponse<String> app =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(app.body()).isEqualTo("app");
      } finally {
        undertow.stop();
      }
    }
  }
}
