package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DJL-style stateful handler ({@code python/stateful/model.py}: {@code SessionManager}, {@code Session},
 * {@code djl_python.encode_decode}, {@code Output.get_properties}/{@code get_property}) in two real Python workers,
 * behind Undertow: the session id goes out in DJL's {@code X-Amzn-SageMaker-Session-Id} response header, comes back
 * as a request header, and both workers see the same session state.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DjlPythonApiOverHttpTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SESSION = "X-Amzn-SageMaker-Session-Id";

  @TempDir static Path workDir;
  private ServedOverHttp served;
  private URI base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  void start() throws Exception {
    served =
        ServedOverHttp.start(
            ModelServer.builder().workDir(workDir).model("stateful=" + ServedOverHttp.pythonModel("stateful").toUri()),
            ApiConfig.defaults());
    base = served.base;
  }

  @AfterAll
  void stop() {
    if (served != null) {
      served.close();
    }
  }

  @Test
  void sessionIdRoundTripsThroughHeadersAndBothWorkersShareTheState() throws Exception {
    HttpResponse<String> created = post(Map.of(), "{\"action\":\"create_session\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = created.headers().firstValue(SESSION).orElseThrow();
    assertThat(id).matches("[0-9a-f-]{36}");
    JsonObject body = json(created);
    assertThat(body.get("result").getAsString()).isEqualTo("session created");
    assertThat(body.get("properties").getAsInt()).isEqualTo(2); // Output.get_properties()
    assertThat(body.get("type").getAsString()).isEqualTo("application/json"); // get_property ignores case

    for (int i = 1; i <= 8; i++) {
      JsonObject counted = json(post(Map.of(SESSION, id), "{\"action\":\"count\"}"));
      assertThat(counted.get("count").getAsInt()).isEqualTo(i);
      assertThat(counted.get("state_sum").getAsDouble()).isEqualTo(12.0 + i);
    }
    // the state lives in files both worker processes open: a burst keeps both busy, and both see count 8
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      burst.add(http.sendAsync(request(Map.of(SESSION, id), "{\"action\":\"peek\"}"), HttpResponse.BodyHandlers.ofString()));
    }
    Set<Integer> pids = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : burst) {
      JsonObject peeked = json(f.get(60, TimeUnit.SECONDS));
      assertThat(peeked.get("count").getAsInt()).isEqualTo(8);
      pids.add(peeked.get("pid").getAsInt());
    }
    assertThat(pids).as("the burst reached both workers").hasSize(2);

    HttpResponse<String> streamed = post(Map.of(SESSION, id), "{\"action\":\"stream\"}");
    assertThat(streamed.headers().firstValue("content-type")).hasValue("application/jsonlines");
    assertThat(streamed.body().lines().toList())
        .containsExactly(
            "{\"row\": \"0\", \"values\": [9.0, 1.0, 1.0]}",
            "{\"row\": \"1\", \"values\": [1.0, 1.0, 1.0]}",
            "{\"row\": \"2\", \"values\": [1.0, 1.0, 1.0]}",
            "{\"row\": \"3\", \"values\": [1.0, 1.0, 1.0]}");

    HttpResponse<String> closed = post(Map.of(SESSION, id), "{\"action\":\"close_session\"}");
    assertThat(closed.headers().firstValue("X-Amzn-SageMaker-Session-Closed")).hasValue("true");
    HttpResponse<String> gone = post(Map.of(SESSION, id), "{\"action\":\"count\"}");
    assertThat(gone.statusCode()).isEqualTo(424);
    assertThat(json(gone).get("error").getAsString()).isEqualTo("session not found");

    HttpResponse<String> bogus = post(Map.of(SESSION, "../../etc"), "{\"action\":\"count\"}");
    assertThat(bogus.statusCode()).isEqualTo(424);
    assertThat(json(bogus).get("message").getAsString()).isEqualTo("invoke handler failure");
  }

  @Test
  void sessionsStayInThisServersWorkFolder() throws Exception {
    String path = json(post(Map.of(), "{\"action\":\"where\"}")).get("sessions_path").getAsString();
    assertThat(Path.of(path)).startsWith(workDir);
    assertThat(Files.isDirectory(Path.of(path))).isTrue();
  }

  @Test
  void encodeDecodeTurnsCsvRowsIntoTheAcceptedType() throws Exception {
    String csv = "inputs\nhello\nserving\n";
    HttpResponse<String> asJson = post(Map.of("Content-Type", "text/csv", "Accept", "application/json"), csv);
    assertThat(asJson.statusCode()).as(asJson.body()).isEqualTo(200);
    assertThat(asJson.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(JsonParser.parseString(asJson.body()))
        .isEqualTo(JsonParser.parseString("[{\"echo\":\"hello\",\"length\":5},{\"echo\":\"serving\",\"length\":7}]"));

    HttpResponse<String> asCsv = post(Map.of("Content-Type", "text/csv", "Accept", "text/csv"), csv);
    assertThat(asCsv.headers().firstValue("content-type")).hasValue("text/csv");
    assertThat(asCsv.body().lines().toList()).containsExactly("echo,length", "hello,5", "serving,7");

    HttpResponse<String> noHeader = post(Map.of("Content-Type", "text/csv"), "name\nx\n");
    assertThat(noHeader.statusCode()).isEqualTo(424);
    assertThat(json(noHeader).get("error").getAsString()).contains("correct CSV with Header columns");
  }

  private HttpResponse<String> post(Map<String, String> headers, String body) throws Exception {
    return http.send(request(headers, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(Map<String, String> headers, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve("/predictions/stateful"))
            .timeout(WAIT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::setHeader);
    return b.build();
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

}
