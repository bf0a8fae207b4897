package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A real Python handler ({@code /usr/bin/python3}, djl_python) behind the real HTTP stack: DJL Serving's 424
 * failure shape, MemoryError as 507, Output.error, None as 204, and add_stream_content as a chunked response.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonOverHttpTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private ServedOverHttp served;
  private URI base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  void start() throws Exception {
    Path model = ServedOverHttp.pythonModel("handlers");
    // the same handler with a 1 s predict_timeout
    Path slow = Files.createDirectories(Files.createTempDirectory("servingkit-slow-").resolve("slow"));
    Files.copy(model.resolve("model.py"), slow.resolve("model.py"));
    Files.writeString(slow.resolve("serving.properties"),
        "engine=Python\nminWorkers=1\nmaxWorkers=1\noption.predict_timeout=1\n");
    served =
        ServedOverHttp.start(
            ModelServer.builder().model("slow=" + slow.toUri()).model("py=" + model.toUri()), ApiConfig.defaults());
    base = served.base;
  }

  @AfterAll
  void stop() {
    if (served != null) {
      served.close();
    }
  }

  @Test
  void aPredictTimeoutSaysSoNamingTheTimeoutAndItsValue() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(base.resolve("/predictions/slow")).timeout(WAIT).header("x-mode", "sleep")
                .POST(HttpRequest.BodyPublishers.ofString("30")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    assertThat(JsonParser.parseString(r.body()).getAsJsonObject().get("message").getAsString())
        .contains("did not answer within option.predict_timeout=1 s");
  }

  @Test
  void echoesThroughPython() throws Exception {
    HttpResponse<String> r = send(Map.of("Content-Type", "text/plain"), "hello world");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello world");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");

    HttpResponse<String> json =
        http.send(
            HttpRequest.newBuilder(base.resolve("/predictions/py?q=x"))
                .timeout(WAIT)
                .header("Content-Type", "application/json")
                .header("x-mode", "json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":\"hello\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonObject body = JsonParser.parseString(json.body()).getAsJsonObject();
    assertThat(body.getAsJsonObject("echo").get("inputs").getAsString()).isEqualTo("hello");
    assertThat(body.get("query").getAsString()).isEqualTo("x");
  }

  @Test
  void raisingHandlerAnswersDjlServings424() throws Exception {
    List<String> lines = raw("POST /predictions/py HTTP/1.1\r\nHost: x\r\nx-mode: raise\r\nContent-Length: 1\r\n\r\nx");
    assertThat(lines.get(0)).isEqualTo("HTTP/1.1 424 invoke handler failure");
    assertThat(String.join("\n", lines))
        .endsWith("{\n  \"code\":424,\n  \"message\":\"invoke handler failure\",\n  \"error\":\"boom: deliberate failure\"\n}");
  }

  @Test
  void memoryErrorIs507AndOutputErrorKeepsItsCode() throws Exception {
    HttpResponse<String> memory = send(Map.of("x-mode", "memory"), "x");
    assertThat(memory.statusCode()).isEqualTo(507);
    HttpResponse<String> error = send(Map.of("x-mode", "error-output"), "x");
    assertThat(error.statusCode()).isEqualTo(424);
    assertThat(error.body()).contains("the input was not acceptable");
  }

  @Test
  void noneIs204() throws Exception {
    HttpResponse<String> r = send(Map.of("x-mode", "none"), "x");
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void streamContentIsSentChunked() throws Exception {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST /predictions/py HTTP/1.1\r\nHost: x\r\nx-mode: stream\r\nContent-Length: 1\r\n\r\n5"
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
      List<String> headers = new ArrayList<>();
      for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
        headers.add(line.toLowerCase(java.util.Locale.ROOT));
      }
      assertThat(headers).contains("transfer-encoding: chunked", "content-type: text/plain");
      StringBuilder body = new StringBuilder();
      int chunks = 0;
      for (int size = Integer.parseInt(in.readLine(), 16); size > 0; size = Integer.parseInt(in.readLine(), 16)) {
        char[] chunk = new char[size];
        assertThat(in.read(chunk, 0, size)).isEqualTo(size);
        body.append(chunk);
        in.readLine();
        chunks++;
      }
      assertThat(body.toString()).isEqualTo("token0 token1 token2 token3 token4 ");
      assertThat(chunks).isGreaterThan(1);
    }
  }

  private HttpResponse<String> send(Map<String, String> headers, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve("/predictions/py")).timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a raw request on a connection the server closes after answering; returns every line read. */
  private List<String> raw(String request) throws Exception {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.replace("Host: x\r\n", "Host: x\r\nConnection: close\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
      return lines;
    }
  }
}
