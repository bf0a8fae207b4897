package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.RegistrationPolicy;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.NlpSamples;
import io.servingkit.testing.NlpSamples.Task;
import io.servingkit.testing.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Hugging Face NLP models of {@code examples/models} in Java mode, over real HTTP on the loopback interface:
 * the seed's question-answering example request for request, every text task's JSON answers (shape and content
 * against {@code nlp-data/expected.json}), batches (a JSON array, {@code {"inputs": [...]}}, and concurrent
 * requests batched by the server into one model call), malformed requests (400 naming the problem), and a model
 * folder without {@code tokenizer.json} (registration fails naming the file).
 *
 * <p>Written once; an adapter whose class path has {@code ai.djl.huggingface:tokenizers} and the PyTorch engine
 * runs it by implementing {@link #newServerUnderTest()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class NlpConformanceSuite {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SEED_QUESTION =
      "{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice, it is beautiful day\"}";

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  private Path temp;
  private ModelServer server;
  private ServingApi api;
  private ServerUnderTest sut;
  private URI base;
  private HttpClient http;

  @BeforeAll
  void startServer() throws Exception {
    temp = Files.createTempDirectory("servingkit-nlp-");
    // one worker that waits up to 2 minutes to fill a batch of 4: four concurrent requests are answered within the
    // client's 30 s only when the server runs them as one batch
    Path batched = TestModels.copy("bert-embedding", temp, "embedding-batched");
    TestModels.writeProperties(
        batched,
        "engine=PyTorch",
        "option.modelName=bert-embedding",
        "task=text_embedding",
        "padding=true",
        "batch_size=4",
        "max_batch_delay=120000",
        "minWorkers=1",
        "maxWorkers=1");
    ModelServer.Builder builder =
        ModelServer.builder()
            .model("bert-base-cased-squad2=" + TestModels.dir("bert-qa").toUri())
            .model("embedding-batched=" + batched.toUri());
    for (Task task : Task.values()) {
      builder.model(task.key + "=" + TestModels.dir(task.folder).toUri());
    }
    server = builder.build();
    api =
        new ServingApi(
            server,
            ApiConfig.builder()
                .registrationPolicy(RegistrationPolicy.builder().allowedUrls("file:.*").build())
                .build());
    sut = newServerUnderTest();
    base = sut.start(api);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  }

  @AfterAll
  void stopServer() throws Exception {
    SuiteResources.close(sut, api, server, temp);
  }

  @Test
  void theSeedsNlpExampleAnswersNice() throws Exception {
    // curl -X POST .../predictions/bert-base-cased-squad2 -H "Content-Type: application/json" -d '{...}'
    HttpResponse<String> r =
        send("POST", "/predictions/bert-base-cased-squad2", Map.of("Content-Type", "application/json"), SEED_QUESTION);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{\"answer\":\"nice\"}");
  }

  @Test
  void otherParagraphsGiveOtherAnswers() throws Exception {
    for (JsonObject sample : NlpSamples.samples(Task.QUESTION_ANSWERING)) {
      HttpResponse<String> r =
          send("POST", "/predictions/bert-base-cased-squad2", Map.of("Content-Type", "application/json"),
              NlpSamples.body(Task.QUESTION_ANSWERING, sample));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(JsonParser.parseString(r.body()).getAsJsonObject().get("answer").getAsString())
          .as(sample.get("paragraph").getAsString())
          .isEqualTo(sample.get("answer").getAsString());
    }
  }

  @Test
  void questionAnsweringTakesFormFieldsQueryParametersAndContext() throws Exception {
    String form = "question=" + enc("What was the weather like yesterday") + "&paragraph=" + enc("Yesterday it was very cold");
    HttpResponse<String> byForm =
        send("POST", "/predictions/bert-base-cased-squad2", Map.of("Content-Type", "application/x-www-form-urlencoded"), form);
    assertThat(byForm.body()).isEqualTo("{\"answer\":\"very cold\"}");

    HttpResponse<String> byQuery =
        send("GET", "/predictions/bert-base-cased-squad2?question=" + enc("Where does Alice live") + "&context=" + enc("Alice lives in Paris"),
            Map.of(), null);
    assertThat(byQuery.body()).isEqualTo("{\"answer\":\"Paris\"}");

    HttpResponse<String> byContext =
        send("POST", "/predictions/bert-base-cased-squad2", Map.of("Content-Type", "application/json; charset=utf-8"),
            "{\"question\": \"How is the weather\", \"context\": \"Today the weather is sunny\"}");
    assertThat(byContext.body()).isEqualTo("{\"answer\":\"sunny\"}");
  }

  @Test
  void aJsonArrayOfQuestionsIsAnsweredInOrder() throws Exception {
    JsonArray batch = new JsonArray();
    JsonArray expected = new JsonArray();
    for (JsonObject sample : NlpSamples.samples(Task.QUESTION_ANSWERING)) {
      batch.add(JsonParser.parseString(NlpSamples.body(Task.QUESTION_ANSWERING, sample)));
      expected.add(NlpSamples.answer(Task.QUESTION_ANSWERING, sample));
    }
    HttpResponse<String> r =
        send("POST", "/predictions/bert-base-cased-squad2", Map.of("Content-Type", "application/json"), batch.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JsonParser.parseString(r.body())).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(value = Task.class, names = "QUESTION_ANSWERING", mode = EnumSource.Mode.EXCLUDE)
  void everyTextTaskAnswersLikeTheReference(Task task) throws Exception {
    JsonArray all = new JsonArray();
    for (JsonObject sample : NlpSamples.samples(task)) {
      HttpResponse<String> r =
          send("POST", "/predictions/" + task.key, Map.of("Content-Type", "application/json"), NlpSamples.body(task, sample));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      JsonElement expected = NlpSamples.answer(task, sample);
      NlpSamples.assertSameJson(task + " " + sample.get("text"), JsonParser.parseString(r.body()), expected);
      all.add(expected);

      // a plain-text body is the text itself
      HttpResponse<String> plain = send("POST", "/predictions/" + task.key, Map.of("Content-Type", "text/plain"), sample.get("text").getAsString());
      NlpSamples.assertSameJson(task + " text/plain", JsonParser.parseString(plain.body()), expected);
    }
    HttpResponse<String> batch =
        send("POST", "/predictions/" + task.key, Map.of("Content-Type", "application/json"), NlpSamples.batchBody(task));
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    NlpSamples.assertSameJson(task + " batch", JsonParser.parseString(batch.body()), all);
  }

  @Test
  void concurrentRequestsRunAsOneBatchAndEachGetsItsOwnAnswer() throws Exception {
    List<JsonObject> samples = new ArrayList<>(NlpSamples.samples(Task.TEXT_EMBEDDING));
    samples.add(NlpSamples.samples(Task.TEXT_EMBEDDING).get(0));
    assertThat(samples).hasSize(4);
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (JsonObject sample : samples) {
      answers.add(
          http.sendAsync(
              request("POST", "/predictions/embedding-batched", Map.of("Content-Type", "application/json"),
                  NlpSamples.body(Task.TEXT_EMBEDDING, sample)),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < samples.size(); i++) {
      HttpResponse<String> r = answers.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      NlpSamples.assertSameJson(
          "request " + i, JsonParser.parseString(r.body()), NlpSamples.answer(Task.TEXT_EMBEDDING, samples.get(i)));
    }
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "bert-base-cased-squad2 | application/json | {\"question\": \"How is the weather\"}  | Missing \"paragraph\" (or \"context\") in json.",
        "bert-base-cased-squad2 | application/json | [{\"paragraph\": \"It is cold\"}]        | Missing \"question\" in json array element 0.",
        "bert-base-cased-squad2 | application/json | {\"question\": \"How is                  | Input is not a valid json: Unterminated string at line 1 column 21 path $.question",
        "bert-base-cased-squad2 | text/plain       | How is the weather                       | Missing \"question\" in input: send a JSON object with Content-Type: application/json, or form fields question and paragraph",
        "text_classification    | application/json | {\"text\": \"I love it\"}               | Missing \"inputs\" in json.",
        "fill_mask              | application/json | {\"inputs\": \"The weather is nice\"}   | Mask token [MASK] not found.",
        "token_classification   | application/json | {\"inputs\": [1, 2]}                   | \"inputs\" element 0 is not a string.",
      })
  void aMalformedRequestIs400NamingTheProblem(String model, String type, String body, String message) throws Exception {
    HttpResponse<String> r = send("POST", "/predictions/" + model, Map.of("Content-Type", type), body);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(error.get("code").getAsInt()).isEqualTo(400);
    assertThat(error.get("type").getAsString()).isEqualTo("TranslateException");
    assertThat(error.get("message").getAsString()).isEqualTo(message);
  }

  @Test
  void aModelFolderWithoutTokenizerJsonIsNotRegisteredAndTheFileIsNamed() throws Exception {
    Path dir = TestModels.copy("bert-qa", temp, "no-tokenizer");
    Files.delete(dir.resolve("tokenizer.json"));

    HttpResponse<String> r = send("POST", "/models?url=" + enc(dir.toUri().toString()) + "&model_name=no_tokenizer", Map.of(), null);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
    JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(error.get("type").getAsString()).isEqualTo("ModelLoadException");
    assertThat(error.get("message").getAsString())
        .startsWith("model no_tokenizer: tokenizer.json not found in " + dir + " (QuestionAnsweringTranslatorFactory needs");
    assertThat(send("GET", "/models/no_tokenizer", Map.of(), null).statusCode()).isEqualTo(404);
  }

  // ---------------------------------------------------------------- helpers

  private HttpRequest request(String method, String path, Map<String, String> headers, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(WAIT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(b::header);
    return b.build();
  }

  private HttpResponse<String> send(String method, String path, Map<String, String> headers, String body)
      throws IOException, InterruptedException {
    return http.send(request(method, path, headers, body), HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
