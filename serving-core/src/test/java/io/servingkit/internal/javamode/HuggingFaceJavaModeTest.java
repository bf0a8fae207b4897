package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.BadInputException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.NlpSamples;
import io.servingkit.testing.NlpSamples.Task;
import io.servingkit.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DJL's Hugging Face translator factories in Java mode, on the BERT-style test models of {@code examples/models}
 * (real {@code tokenizer.json}, real TorchScript on PyTorch, DJL's real tokenizer and translators): the answers of
 * every task against the reference answers of {@code nlp-data/expected.json}, the routes that reach each factory,
 * the arguments DJL reads, and the load and input errors.
 */
class HuggingFaceJavaModeTest {

  private static final String QA_FACTORY = "ai.djl.huggingface.translator.QuestionAnsweringTranslatorFactory";

  @TempDir Path temp;

  // ------------------------------------------------------------------ answers

  @Test
  void theSeedsQuestionIsAnsweredNiceAndOtherParagraphsGiveOtherAnswers() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp);
        ModelWorker worker = model.newWorker(0)) {
      Output seed =
          predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice, it is beautiful day\"}"));
      assertThat(seed.getCode()).isEqualTo(200);
      assertThat(seed.getProperty("Content-Type", null)).isEqualTo("application/json");
      assertThat(seed.getData().getAsString()).isEqualTo("{\"answer\":\"nice\"}");

      List<String> answers = new ArrayList<>();
      for (JsonObject sample : NlpSamples.samples(Task.QUESTION_ANSWERING)) {
        String answer = answerOf(predict(worker, json(NlpSamples.body(Task.QUESTION_ANSWERING, sample))));
        assertThat(answer).as(sample.get("paragraph").getAsString()).isEqualTo(sample.get("answer").getAsString());
        answers.add(answer);
      }
      assertThat(answers).containsExactly("nice", "sunny", "very cold", "Paris");
    }
  }

  @Test
  void questionAnsweringTakesContextFormFieldsAndArrays() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp);
        ModelWorker worker = model.newWorker(0)) {
      assertThat(answerOf(predict(worker, json("{\"question\": \"How is the weather\", \"context\": \"Today the weather is sunny\"}"))))
          .isEqualTo("sunny");

      Input form = new Input();
      form.add("question", "What was the weather like yesterday");
      form.add("paragraph", "Yesterday it was very cold");
      assertThat(answerOf(predict(worker, form))).isEqualTo("very cold");

      JsonArray batch = new JsonArray();
      for (JsonObject sample : NlpSamples.samples(Task.QUESTION_ANSWERING)) {
        batch.add(JsonParser.parseString(NlpSamples.body(Task.QUESTION_ANSWERING, sample)));
      }
      String answers = predict(worker, json(batch.toString())).getData().getAsString();
      assertThat(answers)
          .isEqualTo("[{\"answer\":\"nice\"},{\"answer\":\"sunny\"},{\"answer\":\"very cold\"},{\"answer\":\"Paris\"}]");
    }
  }

  @ParameterizedTest
  @EnumSource(value = Task.class, names = "QUESTION_ANSWERING", mode = EnumSource.Mode.EXCLUDE)
  void everyTextTaskAnswersLikeTheReference(Task task) throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir(task.folder), temp);
        ModelWorker worker = model.newWorker(0)) {
      JsonArray all = new JsonArray();
      for (JsonObject sample : NlpSamples.samples(task)) {
        Output output = predict(worker, json(NlpSamples.body(task, sample)));
        assertThat(output.getProperty("Content-Type", null)).isEqualTo("application/json");
        JsonElement expected = NlpSamples.answer(task, sample);
        NlpSamples.assertSameJson(task + " " + sample.get("text"), JsonParser.parseString(output.getData().getAsString()), expected);
        all.add(expected);
      }
      // {"inputs": [...]} is one request answered with one array entry per text
      Output batch = predict(worker, json(NlpSamples.batchBody(task)));
      NlpSamples.assertSameJson(task + " batch", JsonParser.parseString(batch.getData().getAsString()), all);
    }
  }

  @ParameterizedTest
  @EnumSource(Task.class)
  void aBatchOfRequestsGetsEachItsOwnAnswerInOrder(Task task) throws Exception {
    Path dir = TestModels.copy(task.folder, temp, task.folder);
    // batch_size > 1 adds batchifier=stack: TextEmbedding runs the batch as one padded model call
    try (LoadedModel model = JavaModeFixtures.load(dir, temp, Map.of("batch_size", "4", "padding", "true"));
        ModelWorker worker = model.newWorker(0)) {
      List<JsonObject> samples = new ArrayList<>(NlpSamples.samples(task));
      java.util.Collections.reverse(samples);
      List<Input> inputs = new ArrayList<>();
      for (JsonObject sample : samples) {
        inputs.add(json(NlpSamples.body(task, sample)));
      }
      List<Output> outputs = worker.predict(inputs);
      assertThat(outputs).hasSize(samples.size());
      for (int i = 0; i < samples.size(); i++) {
        NlpSamples.assertSameJson(
            task + " #" + i, JsonParser.parseString(outputs.get(i).getData().getAsString()), NlpSamples.answer(task, samples.get(i)));
      }
    }
  }

  static Stream<Arguments> routes() {
    List<Arguments> all = new ArrayList<>();
    for (Task task : Task.values()) {
      for (String route : List.of("translatorFactory", "application", "task")) {
        all.add(Arguments.of(task, route));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} by {1}")
  @MethodSource("routes")
  void translatorFactoryApplicationAndTaskEachReachTheFactory(Task task, String route) throws Exception {
    Path dir = TestModels.copy(task.folder, temp, task.folder);
    TestModels.writeProperties(dir, task.properties(route).toArray(new String[0]));
    JsonObject sample = NlpSamples.samples(task).get(0);

    try (TranslatorResolver.Resolution resolution = TranslatorResolver.resolve(JavaModeFixtures.context(dir, temp, Map.of()))) {
      assertThat(resolution.description()).contains(task.factory);
    }
    LoadedModel model = JavaModeFixtures.load(dir, temp);
    try (ModelWorker worker = model.newWorker(0)) {
      Output output = predict(worker, json(NlpSamples.body(task, sample)));
      NlpSamples.assertSameJson(task + " by " + route, JsonParser.parseString(output.getData().getAsString()), NlpSamples.answer(task, sample));
    } finally {
      model.close();
    }
  }

  @Test
  void theTokenizerJsonSplitsTextLikeTheReferenceWordPiece() throws Exception {
    try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(TestModels.dir("bert-qa").resolve("tokenizer.json"))) {
      for (Task task : Task.values()) {
        for (JsonObject sample : NlpSamples.samples(task)) {
          Encoding encoding =
              task == Task.QUESTION_ANSWERING
                  ? tokenizer.encode(sample.get("question").getAsString(), sample.get("paragraph").getAsString())
                  : tokenizer.encode(sample.get("text").getAsString());
          assertThat(encoding.getIds()).as(sample.toString()).containsExactly(longs(sample.getAsJsonArray("ids")));
          if (task == Task.QUESTION_ANSWERING) {
            assertThat(encoding.getTypeIds()).containsExactly(longs(sample.getAsJsonArray("type_ids")));
          }
        }
      }
      // WordPiece: a word missing from the vocabulary is split into known pieces, decoded back whole
      Encoding sunny = tokenizer.encode("sunny and rainy", false, false);
      assertThat(sunny.getTokens()).containsExactly("sun", "##ny", "and", "rain", "##y");
      assertThat(tokenizer.decode(sunny.getIds())).isEqualTo("sunny and rainy");
      assertThat(tokenizer.encode("Zebra", false, false).getTokens()).containsExactly("[UNK]");
    }
  }

  // ------------------------------------------------------------------ arguments DJL reads

  @Test
  void detailAddsScoreAndPositionsToTheAnswerAsDjlDoes() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of("detail", "true"));
        ModelWorker worker = model.newWorker(0)) {
      String answer = answerOf(predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice, it is beautiful day\"}")));
      // DJL puts the detail JSON, as a string, under "answer"
      JsonObject detail = JsonParser.parseString(answer).getAsJsonObject();
      assertThat(detail.get("answer").getAsString()).isEqualTo("nice");
      assertThat(detail.get("start").getAsInt()).isEqualTo(9).isEqualTo(detail.get("end").getAsInt());
      assertThat(detail.get("score").getAsDouble()).isBetween(0.5, 1.0);
    }
  }

  @Test
  void maxLengthAndTruncationCutTheParagraph() throws Exception {
    // [CLS] How is the weather [SEP] The weather [SEP]: "nice" is cut off, so the answer is the best that is left
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of("maxLength", "9", "truncation", "only_second"));
        ModelWorker worker = model.newWorker(0)) {
      assertThat(answerOf(predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice, it is beautiful day\"}"))))
          .isEqualTo("The");
    }
  }

  @Test
  void topKAddSpecialTokensInt32AndNormalizeReachTheTranslators() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-fill-mask"), temp, Map.of("topK", "1"));
        ModelWorker worker = model.newWorker(0)) {
      assertThat(predict(worker, json("{\"inputs\": \"The weather is [MASK].\"}")).getData().getAsString())
          .startsWith("[{\"className\":\"nice\",\"probability\":0.32679")
          .doesNotContain("cold");
    }
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-ner"), temp, Map.of("addSpecialTokens", "false"));
        ModelWorker worker = model.newWorker(0)) {
      JsonArray entities = JsonParser.parseString(predict(worker, json("{\"inputs\": \"Alice visited Paris\"}")).getData().getAsString()).getAsJsonArray();
      // without [CLS] every token index moves one to the left
      assertThat(entities.get(0).getAsJsonObject().get("index").getAsInt()).isZero();
      assertThat(entities.get(1).getAsJsonObject().get("index").getAsInt()).isEqualTo(2);
    }
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of("int32", "true"));
        ModelWorker worker = model.newWorker(0)) {
      assertThat(answerOf(predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"Today the weather is sunny\"}"))))
          .isEqualTo("sunny");
    }
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-embedding"), temp, Map.of("normalize", "false"));
        ModelWorker worker = model.newWorker(0)) {
      JsonArray vector = JsonParser.parseString(predict(worker, json("{\"inputs\": \"The weather is nice\"}")).getData().getAsString()).getAsJsonArray();
      double norm = 0;
      for (JsonElement v : vector) {
        norm += v.getAsDouble() * v.getAsDouble();
      }
      norm = Math.sqrt(norm);
      assertThat(norm).as("an unnormalised mean").isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(0.05));
      JsonArray unit = new JsonArray();
      for (JsonElement v : vector) {
        unit.add(v.getAsDouble() / norm);
      }
      // the reference is the normalised mean: the same direction
      NlpSamples.assertSameJson("direction", unit, NlpSamples.answer(Task.TEXT_EMBEDDING, NlpSamples.samples(Task.TEXT_EMBEDDING).get(0)));
    }
  }

  @Test
  void includeTokenTypesFalseSendsTwoTensorsToAModelThatWantsThree() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of("includeTokenTypes", "False"));
        ModelWorker worker = model.newWorker(0)) {
      assertThatThrownBy(() -> predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice\"}")))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("forward() is missing value for argument 'token_type_ids'");
    }
  }

  @Test
  void aTokenizerPathRelativeToTheModelFolderIsUsed() throws Exception {
    Path dir = TestModels.copy("bert-qa", temp, "qa");
    Files.createDirectories(dir.resolve("tok"));
    Files.move(dir.resolve("tokenizer.json"), dir.resolve("tok/tokenizer.json"));
    for (String path : List.of("tok/tokenizer.json", "tok")) {
      try (LoadedModel model = JavaModeFixtures.load(dir, temp, Map.of("tokenizerPath", path));
          ModelWorker worker = model.newWorker(0)) {
        assertThat(answerOf(predict(worker, json("{\"question\": \"How is the weather\", \"paragraph\": \"The weather is nice\"}"))))
            .as(path)
            .isEqualTo("nice");
      }
    }
  }

  // ------------------------------------------------------------------ load errors

  @Test
  void aModelFolderWithoutTokenizerJsonFailsTheLoadNamingTheFile() throws Exception {
    Path dir = TestModels.copy("bert-qa", temp, "qa");
    Files.delete(dir.resolve("tokenizer.json"));

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("model qa: tokenizer.json not found in " + dir + " (QuestionAnsweringTranslatorFactory needs");
  }

  @Test
  void aMissingTokenizerPathIsNamed() {
    Path dir = TestModels.copy("bert-qa", temp, "qa");
    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp, Map.of("tokenizerPath", "nothere.json")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model qa: tokenizerPath=nothere.json: " + dir.resolve("nothere.json") + " does not exist");
  }

  @Test
  void aHubTokenizerIsRefusedBecauseItWouldBeDownloaded() {
    assertThatThrownBy(() -> JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of("tokenizer", "bert-base-cased")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("tokenizer=bert-base-cased: DJL would download this tokenizer from the Hugging Face Hub");
  }

  @ParameterizedTest
  @CsvSource({"bert-sentiment, TextClassificationTranslatorFactory", "bert-ner, TokenClassificationTranslatorFactory"})
  void aClassifierWithoutConfigJsonFailsTheLoadNamingTheFile(String folder, String factory) throws Exception {
    Path dir = TestModels.copy(folder, temp, folder);
    Files.delete(dir.resolve("config.json"));

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model " + folder + ": config.json not found in " + dir + " (" + factory + " reads the labels from its id2label)");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "includeTokenTypes | yes   | includeTokenTypes=yes: expected true or false",
        "detail            | 1     | detail=1: expected true or false",
        "maxLength         | 0     | maxLength=0: expected a positive integer",
        "modelMaxLength    | big   | modelMaxLength=big: expected a positive integer",
        "stride            | -1    | stride=-1: expected an integer >= 0",
        "padding           | some  | padding=some: expected one of true, false, longest, max_length, do_not_pad",
        "truncation        | cut   | truncation=cut: expected one of true, false, longest_first, only_first, only_second, do_not_truncate",
      })
  void aMalformedTokenizerArgumentIsNamedWithItsValue(String key, String value, String message) {
    assertThatThrownBy(() -> JavaModeFixtures.load(TestModels.dir("bert-qa"), temp, Map.of(key, value)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(message);
  }

  @Test
  void withoutTheTokenizersJarTheFactoryFailsNamingTheJar() {
    Path dir = TestModels.copy("bert-qa", temp, "qa");
    ClassLoader hiding = new HidingClassLoader("ai.djl.huggingface.", Thread.currentThread().getContextClassLoader());
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    Thread.currentThread().setContextClassLoader(hiding);
    try {
      assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageStartingWith("translatorFactory=" + QA_FACTORY + ": cannot load class " + QA_FACTORY)
          .hasMessageEndingWith("; add the jar ai.djl.huggingface:tokenizers");
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
  }

  // ------------------------------------------------------------------ input errors

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "bert-qa        | {\"question\": \"How is the weather\"}                      | Missing \"paragraph\" (or \"context\") in json.",
        "bert-qa        | {\"paragraph\": \"The weather is nice\"}                    | Missing \"question\" in json.",
        "bert-qa        | {\"question\": 7, \"paragraph\": \"x\"}                     | \"question\" is not a string in json.",
        "bert-qa        | [{\"question\": \"q\", \"paragraph\": \"p\"}, {\"question\": \"q\"}] | Missing \"paragraph\" (or \"context\") in json array element 1.",
        "bert-qa        | [3]                                                          | Expected an object with \"question\" and \"paragraph\" at json array element 0.",
        "bert-qa        | []                                                           | Expected a json object with \"question\" and \"paragraph\" (or \"context\"), or a non-empty array of them.",
        "bert-qa        | {\"question\": \"How\"                                       | Input is not a valid json: End of input at line 1 column 19 path $.question",
        "bert-qa        | not json                                                     | Input is not a valid json: malformed JSON at line 1 column 6 path $",
        "bert-sentiment | {\"text\": \"I love this\"}                                | Missing \"inputs\" in json.",
        "bert-sentiment | {\"inputs\": [\"ok\", 3]}                                  | \"inputs\" element 1 is not a string.",
        "bert-embedding | {\"inputs\": {}}                                            | \"inputs\" must be a string or a non-empty array of strings.",
        "bert-fill-mask | {\"inputs\": \"no mask here\"}                              | Mask token [MASK] not found.",
        "bert-ner       | [\"a\", \"b\"]                                              | Expected a json object {\"inputs\": \"text\"}, or {\"inputs\": [\"text\", ...]} for a batch.",
      })
  void aMalformedRequestIsABadInputNamingTheProblem(String folder, String body, String message) throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir(folder), temp);
        ModelWorker worker = model.newWorker(0)) {
      assertThatThrownBy(() -> predict(worker, json(body))).isInstanceOf(BadInputException.class).hasMessage(message);
      // the worker still answers afterwards
      Task task = Stream.of(Task.values()).filter(t -> t.folder.equals(folder)).findFirst().orElseThrow();
      JsonObject sample = NlpSamples.samples(task).get(0);
      NlpSamples.assertSameJson(folder, JsonParser.parseString(predict(worker, json(NlpSamples.body(task, sample))).getData().getAsString()), NlpSamples.answer(task, sample));
    }
  }

  @Test
  void questionAnsweringWithoutJsonOrFieldsSaysWhatToSend() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("bert-qa"), temp);
        ModelWorker worker = model.newWorker(0)) {
      Input noType = new Input();
      noType.add("data", "{\"question\": \"How is the weather\", \"paragraph\": \"nice\"}".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> predict(worker, noType))
          .isInstanceOf(BadInputException.class)
          .hasMessage(
              "Missing \"question\" in input: send a JSON object with Content-Type: application/json, or form fields question"
                  + " and paragraph");
      Input onlyQuestion = new Input();
      onlyQuestion.add("question", "How is the weather");
      assertThatThrownBy(() -> predict(worker, onlyQuestion)).isInstanceOf(BadInputException.class).hasMessageStartingWith("Missing \"paragraph\" (or \"context\") in input");
      assertThatThrownBy(() -> predict(worker, json(""))).isInstanceOf(BadInputException.class).hasMessage("Input data is empty.");
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Input json(String body) {
    Input input = new Input();
    input.addProperty("Content-Type", "application/json");
    input.add("data", body.getBytes(StandardCharsets.UTF_8));
    return input;
  }

  private static Output predict(ModelWorker worker, Input input) throws Exception {
    return worker.predict(List.of(input)).get(0);
  }

  private static String answerOf(Output output) {
    return JsonParser.parseString(output.getData().getAsString()).getAsJsonObject().get("answer").getAsString();
  }

  private static long[] longs(JsonArray array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).getAsLong();
    }
    return out;
  }

  /** Delegates to its parent but for classes under one package, as if their jar were absent. */
  private static final class HidingClassLoader extends ClassLoader {
    private final String hidden;

    HidingClassLoader(String hidden, ClassLoader parent) {
      super(parent);
      this.hidden = hidden;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith(hidden)) {
        throw new ClassNotFoundException(name);
      }
      return super.loadClass(name, resolve);
    }
  }
}
