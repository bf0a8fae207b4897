package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks requests before DJL's Hugging Face serving translators read them, so that a malformed request is refused
 * with a message naming what is wrong: the missing field (and, in a batch, which element lacks it), or where the
 * JSON breaks. A request that passes is handed to DJL's translator unchanged, so accepted inputs and answers are
 * DJL's.
 *
 * <ul>
 *   <li>Question answering: with {@code Content-Type: application/json}, an object with string fields
 *       {@code question} and {@code paragraph} (or {@code context}), or a non-empty array of them; otherwise
 *       content entries (form fields, query parameters) with those names [ours: DJL says "Missing question or
 *       context in json." for any missing field, and fails a batch element without one with a tokenizer
 *       error].
 *   <li>Text tasks (classification, embedding, fill mask, token classification): with {@code Content-Type:
 *       application/json}, an object whose {@code inputs} is a string or an array of strings; other bodies are
 *       the text itself, as in DJL.
 *   <li>Either: malformed JSON is refused as "Input is not a valid json: ..." with the place it breaks [ours: the
 *       message DJL Serving passes on is the JSON parser's].
 * </ul>
 *
 * <p>Threading: stateless; as thread-safe as the translator it wraps.
 */
final class HuggingFaceInputCheck implements Translator<Input, Output> {

  private static final String QA_FACTORY = HuggingFaceLoadCheck.PACKAGE + "QuestionAnsweringTranslatorFactory";
  private static final Set<String> TEXT_FACTORIES =
      Set.of(
          HuggingFaceLoadCheck.PACKAGE + "TextClassificationTranslatorFactory",
          HuggingFaceLoadCheck.PACKAGE + "TextEmbeddingTranslatorFactory",
          HuggingFaceLoadCheck.PACKAGE + "FillMaskTranslatorFactory",
          HuggingFaceLoadCheck.PACKAGE + "TokenClassificationTranslatorFactory");
  private static final String LENIENT_ADVICE = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept ";

  private final Translator<Input, Output> delegate;
  private final boolean questionAnswering;

  private HuggingFaceInputCheck(Translator<Input, Output> delegate, boolean questionAnswering) {
    this.delegate = delegate;
    this.questionAnswering = questionAnswering;
  }

  /** {@code translator} behind an input check when {@code factoryClass} is one this class knows, else itself. */
  static Translator<Input, Output> wrap(String factoryClass, Translator<Input, Output> translator) {
    if (factoryClass.equals(QA_FACTORY)) {
      return new HuggingFaceInputCheck(translator, true);
    }
    if (TEXT_FACTORIES.contains(factoryClass)) {
      return new HuggingFaceInputCheck(translator, false);
    }
    return translator;
  }

  /**
   * Fails with a {@link TranslateException} naming the problem unless DJL's translator can read {@code input}.
   */
  void check(Input input) throws TranslateException {
    if (input.getContent().isEmpty()) {
      throw new TranslateException("Input data is empty.");
    }
    if (!isJson(input)) {
      if (questionAnswering) {
        checkQaFields(input);
      }
      return;
    }
    BytesSupplier data = input.getData();
    String text = data == null ? "" : data.getAsString();
    if (text.isBlank()) {
      throw new TranslateException("Input data is empty.");
    }
    JsonElement json;
    try {
      json = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      String detail = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
      int newline = detail.indexOf('\n'); // gson appends a link to its troubleshooting guide
      detail = (newline < 0 ? detail : detail.substring(0, newline)).replace(LENIENT_ADVICE, "");
      throw new TranslateException("Input is not a valid json: " + detail);
    }
    if (questionAnswering) {
      checkQaJson(json);
    } else {
      checkTextJson(json);
    }
  }

  private static boolean isJson(Input input) {
    String type = input.getProperty("Content-Type", null);
    if (type == null) {
      return false;
    }
    int semi = type.indexOf(';');
    return (semi < 0 ? type : type.substring(0, semi)).strip().toLowerCase(Locale.ROOT).equals("application/json");
  }

  private static void checkQaFields(Input input) throws TranslateException {
    boolean question = input.getContent().contains("question");
    boolean paragraph = input.getContent().contains("paragraph") || input.getContent().contains("context");
    if (!question || !paragraph) {
      throw new TranslateException(
          "Missing "
              + (question ? "\"paragraph\" (or \"context\")" : "\"question\"")
              + " in input: send a JSON object with Content-Type: application/json, or form fields question and"
              + " paragraph");
    }
  }

  private static void checkQaJson(JsonElement json) throws TranslateException {
    if (json.isJsonObject()) {
      checkQaObject(json.getAsJsonObject(), "json.");
      return;
    }
    if (json.isJsonArray() && json.getAsJsonArray().size() > 0) {
      JsonArray array = json.getAsJsonArray();
      for (int i = 0; i < array.size(); i++) {
        String where = "json array element " + i + ".";
        if (!array.get(i).isJsonObject()) {
          throw new TranslateException("Expected an object with \"question\" and \"paragraph\" at " + where);
        }
        checkQaObject(array.get(i).getAsJsonObject(), where);
      }
      return;
    }
    throw new TranslateException(
        "Expected a json object with \"question\" and \"paragraph\" (or \"context\"), or a non-empty array of them.");
  }

  private static void checkQaObject(JsonObject object, String where) throws TranslateException {
    requireString(object, "question", "\"question\"", where);
    String paragraph = isAbsent(object.get("paragraph")) ? "context" : "paragraph";
    requireString(object, paragraph, "\"paragraph\" (or \"context\")", where);
  }

  private static void requireString(JsonObject object, String field, String named, String where)
      throws TranslateException {
    JsonElement value = object.get(field);
    if (isAbsent(value)) {
      throw new TranslateException("Missing " + named + " in " + where);
    }
    if (!isString(value)) {
      throw new TranslateException("\"" + field + "\" is not a string in " + where);
    }
  }

  private static boolean isAbsent(JsonElement element) {
    return element == null || element.isJsonNull();
  }

  private static void checkTextJson(JsonElement json) throws TranslateException {
    if (!json.isJsonObject()) {
      if (json.isJsonPrimitive() && json.getAsJsonPrimitive().isString()) {
        return; // DJL reads a JSON string as the text
      }
      throw new TranslateException(
          "Expected a json object {\"inputs\": \"text\"}, or {\"inputs\": [\"text\", ...]} for a batch.");
    }
    JsonElement inputs = json.getAsJsonObject().get("inputs");
    if (inputs == null || inputs.isJsonNull()) {
      throw new TranslateException("Missing \"inputs\" in json.");
    }
    if (isString(inputs)) {
      return;
    }
    if (inputs.isJsonArray() && inputs.getAsJsonArray().size() > 0) {
      JsonArray array = inputs.getAsJsonArray();
      for (int i = 0; i < array.size(); i++) {
        if (!isString(array.get(i))) {
          throw new TranslateException("\"inputs\" element " + i + " is not a string.");
        }
      }
      return;
    }
    throw new TranslateException("\"inputs\" must be a string or a non-empty array of strings.");
  }

  private static boolean isString(JsonElement element) {
    return element != null && element.isJsonPrimitive() && element.getAsJsonPrimitive().isString();
  }

  @Override
  public void prepare(TranslatorContext ctx) throws Exception {
    delegate.prepare(ctx);
  }

  @Override
  public Batchifier getBatchifier() {
    return delegate.getBatchifier();
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws Exception {
    check(input);
    return delegate.processInput(ctx, input);
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) throws Exception {
    return delegate.processOutput(ctx, list);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<Input> inputs) throws Exception {
    for (Input input : inputs) {
      check(input);
    }
    return delegate.batchProcessInput(ctx, inputs);
  }

  @Override
  public List<Output> batchProcessOutput(TranslatorContext ctx, NDList list) throws Exception {
    return delegate.batchProcessOutput(ctx, list);
  }
}
