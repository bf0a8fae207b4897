package io.servingkit.internal.javamode;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a model for DJL's Hugging Face translator factories ({@code ai.djl.huggingface.translator.*}) before it
 * loads, so that what DJL would report late, vaguely or never becomes a load error naming the file or setting:
 *
 * <ul>
 *   <li>the tokenizer: {@code tokenizer.json} (or a BPE {@code vocab.json} + {@code merges.txt} pair) in the model
 *       folder, or the file or folder {@code tokenizerPath} names — a relative {@code tokenizerPath} is read
 *       against the model folder [ours: DJL reads it against the server's working directory];
 *   <li>{@code tokenizer=<hub id>} is refused: DJL would download that tokenizer from the Hugging Face Hub, and
 *       ServingKit never downloads [ours];
 *   <li>{@code config.json}, which the classification factories read for their labels ({@code id2label}) when the
 *       first request arrives [ours: DJL fails every request instead of the load];
 *   <li>the values of the arguments DJL's tokenizer and translators read: booleans must be {@code true} or
 *       {@code false} (DJL reads any other word as false), counts positive integers, {@code padding} and
 *       {@code truncation} one of DJL's strategies, in any case [ours: DJL takes {@code true} and {@code false}
 *       there only in lower case].
 * </ul>
 *
 * <p>Threading: stateless.
 */
final class HuggingFaceLoadCheck {

  /** The package of DJL's Hugging Face translator factories (jar {@code ai.djl.huggingface:tokenizers}). */
  static final String PACKAGE = "ai.djl.huggingface.translator.";
  /** The Maven coordinates that provide those factories, for the "cannot load class" message. */
  static final String ARTIFACT = "ai.djl.huggingface:tokenizers";

  private static final Set<String> BOOLEANS =
      Set.of("includeTokenTypes", "int32", "detail", "addSpecialTokens", "withOverflowingTokens", "softmax", "normalize");
  private static final Set<String> COUNTS = Set.of("maxLength", "modelMaxLength", "topK");
  private static final Set<String> NON_NEGATIVE = Set.of("stride", "padToMultipleOf");
  private static final Set<String> PADDING = Set.of("true", "false", "longest", "max_length", "do_not_pad");
  private static final Set<String> TRUNCATION =
      Set.of("true", "false", "longest_first", "only_first", "only_second", "do_not_truncate");
  /** Factories that read the labels from {@code config.json}. */
  private static final Set<String> NEED_CONFIG =
      Set.of(PACKAGE + "TextClassificationTranslatorFactory", PACKAGE + "TokenClassificationTranslatorFactory");

  private HuggingFaceLoadCheck() {}

  /** Whether {@code factoryClass} is one of DJL's Hugging Face translator factories. */
  static boolean applies(String factoryClass) {
    return factoryClass.startsWith(PACKAGE);
  }

  /**
   * Checks the model folder and arguments for {@code factoryClass} and returns the arguments to give it (a
   * relative {@code tokenizerPath} made absolute); other factories get {@code arguments} back unchanged.
   *
   * @throws InvalidSpecException for a malformed argument value or {@code tokenizer=<hub id>}
   * @throws ModelLoadException when the tokenizer or {@code config.json} is missing
   */
  static Map<String, Object> check(String factoryClass, Map<String, Object> arguments, Path modelDir, String modelName) {
    if (!applies(factoryClass)) {
      return arguments;
    }
    Map<String, Object> checked = new LinkedHashMap<>(arguments);
    checkValues(checked);
    String simpleName = factoryClass.substring(PACKAGE.length());
    Object hubId = arguments.get("tokenizer");
    if (hubId != null && !hubId.toString().isBlank()) {
      throw new InvalidSpecException(
          "tokenizer="
              + hubId
              + ": DJL would download this tokenizer from the Hugging Face Hub, and ServingKit never downloads;"
              + " put its tokenizer.json in the model folder, or name a local file with tokenizerPath");
    }
    Object tokenizerPath = arguments.get("tokenizerPath");
    if (tokenizerPath != null && !tokenizerPath.toString().isBlank()) {
      Path path = resolve(modelDir, tokenizerPath.toString().strip());
      if (!Files.exists(path)) {
        throw new ModelLoadException("model " + modelName + ": tokenizerPath=" + tokenizerPath + ": " + path + " does not exist");
      }
      if (Files.isDirectory(path) && !hasTokenizer(path)) {
        throw new ModelLoadException(
            "model " + modelName + ": tokenizerPath=" + tokenizerPath + ": no tokenizer.json (or vocab.json and merges.txt) in " + path);
      }
      checked.put("tokenizerPath", path.toString());
    } else if (!hasTokenizer(modelDir)) {
      throw new ModelLoadException(
          "model "
              + modelName
              + ": tokenizer.json not found in "
              + modelDir
              + " ("
              + simpleName
              + " needs the model's Hugging Face tokenizer: save it there with tokenizer.save_pretrained(dir),"
              + " or name it with tokenizerPath)");
    }
    if (NEED_CONFIG.contains(factoryClass) && !Files.isRegularFile(modelDir.resolve("config.json"))) {
      throw new ModelLoadException(
          "model " + modelName + ": config.json not found in " + modelDir + " (" + simpleName + " reads the labels from its id2label)");
    }
    return checked;
  }

  private static boolean hasTokenizer(Path dir) {
    return Files.isRegularFile(dir.resolve("tokenizer.json"))
        || (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt")));
  }

  private static Path resolve(Path modelDir, String value) {
    try {
      return modelDir.resolve(value).normalize();
    } catch (InvalidPathException e) {
      throw new InvalidSpecException("tokenizerPath=" + value + ": not a path (" + e.getMessage() + ")", e);
    }
  }

  /** Fails on a malformed value; writes {@code padding} and {@code truncation} in lower case, as DJL reads them. */
  private static void checkValues(Map<String, Object> arguments) {
    for (Map.Entry<String, Object> e : arguments.entrySet()) {
      String key = e.getKey();
      String value = String.valueOf(e.getValue()).strip();
      String lower = value.toLowerCase(Locale.ROOT);
      if (BOOLEANS.contains(key) && !lower.equals("true") && !lower.equals("false")) {
        throw new InvalidSpecException(key + "=" + value + ": expected true or false");
      }
      if (COUNTS.contains(key) && integer(value) < 1) {
        throw new InvalidSpecException(key + "=" + value + ": expected a positive integer");
      }
      if (NON_NEGATIVE.contains(key) && integer(value) < 0) {
        throw new InvalidSpecException(key + "=" + value + ": expected an integer >= 0");
      }
      if (key.equals("padding") && !PADDING.contains(lower)) {
        throw new InvalidSpecException(key + "=" + value + ": expected one of true, false, longest, max_length, do_not_pad");
      }
      if (key.equals("padding") || key.equals("truncation")) {
        e.setValue(lower);
      }
      if (key.equals("truncation") && !TRUNCATION.contains(lower)) {
        throw new InvalidSpecException(
            key + "=" + value + ": expected one of true, false, longest_first, only_first, only_second, do_not_truncate");
      }
    }
  }

  /** The value as an int, or -1 when it is not one. */
  private static int integer(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
