package io.servingkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The BERT-style NLP test models of {@code examples/models} ({@code bert-qa}, {@code bert-sentiment}, {@code
 * bert-embedding}, {@code bert-fill-mask}, {@code bert-ner}, built by {@code make_nlp_models.py}) and the answers
 * they must give, from {@code nlp-data/expected.json} (computed by that script with its own WordPiece and torch,
 * independently of DJL).
 */
public final class NlpSamples {

  /** One text task: its model folder, its key in expected.json, and the factory and routes that reach it. */
  public enum Task {
    TEXT_CLASSIFICATION("bert-sentiment", "text_classification", "TextClassificationTranslatorFactory", "nlp/text_classification"),
    TEXT_EMBEDDING("bert-embedding", "text_embedding", "TextEmbeddingTranslatorFactory", "nlp/text_embedding"),
    FILL_MASK("bert-fill-mask", "fill_mask", "FillMaskTranslatorFactory", "nlp/fill_mask"),
    TOKEN_CLASSIFICATION("bert-ner", "token_classification", "TokenClassificationTranslatorFactory", "nlp/token_classification"),
    QUESTION_ANSWERING("bert-qa", "question_answering", "QuestionAnsweringTranslatorFactory", "nlp/question_answer");

    /** The folder under examples/models. */
    public final String folder;
    /** The key of its samples in expected.json, also its {@code task} value. */
    public final String key;
    /** The fully qualified DJL translator factory. */
    public final String factory;
    /** Its {@code application} value. */
    public final String application;

    Task(String folder, String key, String factory, String application) {
      this.folder = folder;
      this.key = key;
      this.factory = "ai.djl.huggingface.translator." + factory;
      this.application = application;
    }

    /** serving.properties lines reaching this task's factory by {@code route} (translatorFactory, application, task). */
    public List<String> properties(String route) {
      List<String> lines = new ArrayList<>(List.of("engine=PyTorch", "option.modelName=" + folder));
      switch (route) {
        case "translatorFactory":
          lines.add("translatorFactory=" + factory);
          break;
        case "application":
          lines.add("application=" + application);
          break;
        case "task":
          lines.add("task=" + key);
          break;
        default:
          throw new IllegalArgumentException(route);
      }
      if (this == QUESTION_ANSWERING) {
        lines.add("includeTokenTypes=true");
      }
      if (this == FILL_MASK) {
        lines.add("topK=3");
      }
      return lines;
    }
  }

  private static final JsonObject EXPECTED =
      JsonParser.parseString(new String(TestModels.bytes("nlp-data/expected.json"), StandardCharsets.UTF_8)).getAsJsonObject();

  private NlpSamples() {}

  /** The samples of {@code task}: objects with {@code text} (or {@code question}, {@code paragraph}), {@code ids} and the answer. */
  public static List<JsonObject> samples(Task task) {
    List<JsonObject> rows = new ArrayList<>();
    for (JsonElement e : EXPECTED.getAsJsonArray(task.key)) {
      rows.add(e.getAsJsonObject());
    }
    return rows;
  }

  /** The JSON request body for one sample: {@code {"question","paragraph"}} or {@code {"inputs": text}}. */
  public static String body(Task task, JsonObject sample) {
    JsonObject body = new JsonObject();
    if (task == Task.QUESTION_ANSWERING) {
      body.addProperty("question", sample.get("question").getAsString());
      body.addProperty("paragraph", sample.get("paragraph").getAsString());
    } else {
      body.addProperty("inputs", sample.get("text").getAsString());
    }
    return body.toString();
  }

  /** The JSON request body with every sample of a text task: {@code {"inputs": [text, ...]}}. */
  public static String batchBody(Task task) {
    JsonArray texts = new JsonArray();
    samples(task).forEach(s -> texts.add(s.get("text").getAsString()));
    JsonObject body = new JsonObject();
    body.add("inputs", texts);
    return body.toString();
  }

  /** The answer DJL's translator must give for one sample, as JSON. */
  public static JsonElement answer(Task task, JsonObject sample) {
    switch (task) {
      case QUESTION_ANSWERING:
        JsonObject answer = new JsonObject();
        answer.addProperty("answer", sample.get("answer").getAsString());
        return answer;
      case TEXT_CLASSIFICATION:
      case FILL_MASK:
        return sample.get("classes");
      case TEXT_EMBEDDING:
        return sample.get("embedding");
      case TOKEN_CLASSIFICATION:
        return sample.get("entities");
      default:
        throw new IllegalArgumentException(task.toString());
    }
  }

  /**
   * Asserts that {@code actual} is {@code expected}: the same JSON shape, keys and strings, numbers equal within
   * 1e-5 (float32 through two runtimes).
   */
  public static void assertSameJson(String what, JsonElement actual, JsonElement expected) {
    if (expected.isJsonObject()) {
      assertThat(actual.isJsonObject()).as("%s is an object: %s", what, actual).isTrue();
      Map<String, JsonElement> a = actual.getAsJsonObject().asMap();
      Map<String, JsonElement> e = expected.getAsJsonObject().asMap();
      assertThat(a.keySet()).as("%s keys", what).containsExactlyInAnyOrderElementsOf(e.keySet());
      for (String key : e.keySet()) {
        assertSameJson(what + "." + key, a.get(key), e.get(key));
      }
    } else if (expected.isJsonArray()) {
      assertThat(actual.isJsonArray()).as("%s is an array: %s", what, actual).isTrue();
      JsonArray a = actual.getAsJsonArray();
      JsonArray e = expected.getAsJsonArray();
      assertThat(a.size()).as("%s size", what).isEqualTo(e.size());
      for (int i = 0; i < e.size(); i++) {
        assertSameJson(what + "[" + i + "]", a.get(i), e.get(i));
      }
    } else if (expected.isJsonPrimitive() && expected.getAsJsonPrimitive().isNumber()) {
      assertThat(actual.isJsonPrimitive() && actual.getAsJsonPrimitive().isNumber()).as("%s is a number: %s", what, actual).isTrue();
      assertThat(actual.getAsDouble()).as(what).isCloseTo(expected.getAsDouble(), within(1e-5));
    } else {
      assertThat(actual).as(what).isEqualTo(expected);
    }
  }
}
