package io.servingkit.internal.javamode;

import ai.djl.Model;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.translate.Batchifier;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSpec;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the Java mode's translator for a model, in DJL Serving's order (compat.md §6):
 *
 * <ol>
 *   <li>{@code translatorFactory=<class>}, from the class path or the model's {@code libs/};
 *   <li>{@code translator=<class>}, a {@link ServingTranslator} from the class path or {@code libs/};
 *   <li>the first {@link ServingTranslator} in {@code libs/classes} (its {@code *.java} compiled now) or
 *       {@code libs/*.jar};
 *   <li>a built-in factory picked by {@code application} or {@code task}: image classification
 *       ({@code ImageClassificationTranslatorFactory}), image feature extraction ({@code
 *       ImageFeatureExtractorFactory}) and the Hugging Face NLP factories when their jar is present;
 *   <li>otherwise tensors in, tensors out ({@link NdListTranslator}).
 * </ol>
 *
 * <p>A class named by {@code translatorFactory} or {@code translator} that cannot be loaded fails the load with a
 * message naming it [ours: DJL warns and falls back].
 */
final class TranslatorResolver {

  private static final Logger LOG = LoggerFactory.getLogger(TranslatorResolver.class);
  private static final String CV = "ai.djl.modality.cv.translator.";
  private static final String HF = "ai.djl.huggingface.translator.";
  /** {@code application} / {@code task} values (lower case, '-' read as '_') and the factory each one picks. */
  private static final Map<String, String> BUILT_IN =
      Map.ofEntries(
          Map.entry("image_classification", CV + "ImageClassificationTranslatorFactory"),
          Map.entry("cv/image_classification", CV + "ImageClassificationTranslatorFactory"),
          Map.entry("image_feature_extraction", CV + "ImageFeatureExtractorFactory"),
          Map.entry("cv/image_feature_extraction", CV + "ImageFeatureExtractorFactory"),
          Map.entry("fill_mask", HF + "FillMaskTranslatorFactory"),
          Map.entry("nlp/fill_mask", HF + "FillMaskTranslatorFactory"),
          Map.entry("question_answering", HF + "QuestionAnsweringTranslatorFactory"),
          Map.entry("nlp/question_answer", HF + "QuestionAnsweringTranslatorFactory"),
          Map.entry("text_classification", HF + "TextClassificationTranslatorFactory"),
          Map.entry("nlp/text_classification", HF + "TextClassificationTranslatorFactory"),
          Map.entry("text_embedding", HF + "TextEmbeddingTranslatorFactory"),
          Map.entry("sentence_similarity", HF + "TextEmbeddingTranslatorFactory"),
          Map.entry("nlp/text_embedding", HF + "TextEmbeddingTranslatorFactory"),
          Map.entry("token_classification", HF + "TokenClassificationTranslatorFactory"),
          Map.entry("nlp/token_classification", HF + "TokenClassificationTranslatorFactory"));

  /**
   * The chosen translator and the class loader of the model's {@code libs/} it came from (null without libs/).
   * Closing it closes that class loader.
   */
  record Resolution(Translator<Input, Output> translator, String description, LibsClassLoader libs)
      implements AutoCloseable {

    /** Builds a factory's translator for the loaded model; other translators need nothing. */
    void bind(Model model) throws TranslateException {
      if (translator instanceof FactoryTranslator) {
        ((FactoryTranslator) translator).bind(model);
      }
    }

    @Override
    public void close() {
      closeQuietly(libs, description);
    }
  }

  private TranslatorResolver() {}

  /**
   * Chooses the translator for {@code context}'s model.
   *
   * @throws ModelLoadException when a named class cannot be loaded or used, or a source does not compile
   * @throws InvalidSpecException when {@code batchifier} names no batchifier
   */
  static Resolution resolve(ModelContext context) {
    Map<String, Object> arguments = new LinkedHashMap<>(context.spec().arguments());
    ClassLoader host = DefaultModelContext.hostClassLoader();
    Path libsDir = LibsClassLoader.libsDir(context.modelDir());
    LibsClassLoader libs = libsDir == null ? null : LibsClassLoader.open(libsDir, context.workDir(), host);
    try {
      ClassLoader loader = libs == null ? host : libs;
      String where = libs == null ? "the class path" : "the class path or " + libsDir;

      String factoryName = text(arguments.get("translatorFactory"));
      if (factoryName != null) {
        String what = "translatorFactory=" + factoryName;
        TranslatorFactory factory = newInstance(what, factoryName, TranslatorFactory.class, loader, where);
        return new Resolution(factoryTranslator(factory, arguments, what, context), "translatorFactory " + factoryName, libs);
      }

      String translatorName = text(arguments.get("translator"));
      if (translatorName != null) {
        String what = "translator=" + translatorName;
        ServingTranslator translator = newInstance(what, translatorName, ServingTranslator.class, loader, where);
        translator.setArguments(arguments);
        return new Resolution(translator, "translator " + translatorName, libs);
      }

      Class<? extends ServingTranslator> found = libs == null ? null : libs.findServingTranslator();
      if (found != null) {
        String what = "translator " + found.getName() + " in " + libsDir;
        ServingTranslator translator = newInstance(what, found.getName(), ServingTranslator.class, libs, where);
        translator.setArguments(arguments);
        return new Resolution(translator, what, libs);
      }

      Map.Entry<String, String> builtIn = builtInFactory(arguments);
      if (builtIn != null) {
        TranslatorFactory factory = newInstance(builtIn.getKey(), builtIn.getValue(), TranslatorFactory.class, loader, where);
        return new Resolution(
            factoryTranslator(factory, arguments, builtIn.getKey(), context), builtIn.getKey() + ": " + builtIn.getValue(), libs);
      }
      return new Resolution(new NdListTranslator(batchifier(context.spec())), "tensors in, tensors out (NDList)", libs);
    } catch (RuntimeException e) {
      closeQuietly(libs, "libs of " + context.modelDir());
      throw e;
    }
  }

  /**
   * The built-in factory that {@code application} (else {@code task}) picks: {@code ("application=<value>",
   * factoryClass)}, or null when neither is set or the value has no built-in translator.
   */
  private static Map.Entry<String, String> builtInFactory(Map<String, Object> arguments) {
    for (String key : new String[] {"application", "task"}) {
      String value = text(arguments.get(key));
      if (value != null) {
        String factory = BUILT_IN.get(value.toLowerCase(Locale.ROOT).replace('-', '_'));
        if (factory == null) {
          LOG.debug("No built-in translator for {}={}; serving tensors", key, value);
          return null;
        }
        return Map.entry(key + "=" + value, factory);
      }
    }
    return null;
  }

  private static FactoryTranslator factoryTranslator(
      TranslatorFactory factory, Map<String, Object> arguments, String what, ModelContext context) {
    if (!factory.isSupported(Input.class, Output.class)) {
      throw new ModelLoadException(what + ": the factory cannot make translators from Input to Output");
    }
    String name = factory.getClass().getName();
    return new FactoryTranslator(factory, HuggingFaceLoadCheck.check(name, arguments, context.modelDir(), context.spec().name()));
  }

  /**
   * Loads and instantiates a user-named class.
   *
   * @param what the setting that named it, for messages ({@code translatorFactory=com.example.F})
   */
  private static <T> T newInstance(String what, String className, Class<T> type, ClassLoader loader, String where) {
    Class<?> loaded;
    try {
      loaded = Class.forName(className, true, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ModelLoadException(
          what + ": cannot load class " + className + " from " + where + " (" + e + ")"
              + (HuggingFaceLoadCheck.applies(className) ? "; add the jar " + HuggingFaceLoadCheck.ARTIFACT : ""), e);
    }
    if (!type.isAssignableFrom(loaded)) {
      throw new ModelLoadException(what + ": class " + className + " is not a " + type.getName());
    }
    try {
      return type.cast(loaded.getConstructor().newInstance());
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ModelLoadException(what + ": cannot create an instance with its public no-argument constructor: " + cause, e);
    }
  }

  private static Batchifier batchifier(ModelSpec spec) {
    String name = spec.property("batchifier").orElse(spec.batchSize() > 1 ? "stack" : "none").strip();
    if (name.equals("stack")) {
      return new ByteStackBatchifier();
    }
    try {
      return Batchifier.fromString(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("batchifier=" + name + ": expected stack, padding or none");
    }
  }

  private static void closeQuietly(LibsClassLoader libs, String what) {
    if (libs != null) {
      try {
        libs.close();
      } catch (IOException e) {
        LOG.warn("Cannot close the class loader of {}: {}", what, e.toString());
      }
    }
  }

  private static String text(Object value) {
    if (value == null) {
      return null;
    }
    String s = value.toString().strip();
    return s.isEmpty() ? null : s;
  }
}
