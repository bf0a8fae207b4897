package io.servingkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs the embedding examples as a user would, so they cannot rot. */
class EmbeddingExamplesTest {
  private static final Path MODELS = Path.of("../../examples/models");

  @Test
  void embeddedDigitsClassifiesEverySampleImage() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int correct = EmbeddedDigits.run(MODELS, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String printed = bytes.toString(StandardCharsets.UTF_8);
    assertThat(correct).isEqualTo(10);
    assertThat(printed).contains("3.png -> 3").contains("10/10 correct");
  }

  @Test
  void undertowAppServesItsOwnRouteAndTheModelSideBySide() throws Exception {
    try (UndertowApp app = new UndertowApp(MODELS, 0)) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + app.port();
      HttpResponse<String> hello =
          http.send(HttpRequest.newBuilder(URI.create(base + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(hello.body()).isEqualTo("hello from the application");
      HttpResponse<String> prediction =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/ml/predictions/digits"))
                  .POST(HttpRequest.BodyPublishers.ofFile(MODELS.resolve("digit-images/7.png")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(prediction.statusCode()).isEqualTo(200);
      assertThat(prediction.body()).contains("\"className\"").matches("(?s)\\[\\s*\\{\\s*\"className\"\\s*:\\s*\"7\".*");
      HttpResponse<String> ping =
          http.send(HttpRequest.newBuilder(URI.create(base + "/ml/ping")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ping.statusCode()).isEqualTo(200);
    }
  }
}
