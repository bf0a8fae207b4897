package io.servingkit.internal.javamode;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSignature;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java mode: serves any model on a DJL engine (PyTorch, OnnxRuntime, TensorFlow, MXNet, and PaddlePaddle when
 * serving-paddle is on the class path) through DJL {@code Criteria} with the translator {@link TranslatorResolver}
 * picks. Without serving-paddle a PaddlePaddle model is refused at load with a message naming it; Python models are
 * left to the Python mode.
 *
 * <p>Priority 0: modes that serve a subset of these models better (the binary mode for models without a
 * translator) register with a higher priority.
 *
 * <p>Threading: stateless; {@link #supports} and {@link #load} may run concurrently for different models.
 */
public final class JavaModeProvider implements ModeProvider {

  private static final Logger LOG = LoggerFactory.getLogger(JavaModeProvider.class);

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public JavaModeProvider() {}

  @Override
  public String name() {
    return "java";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public boolean supports(ModelContext context) {
    return !context.engine().equals("Python");
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    DefaultModelContext.requireDjlEngine(context.engine(), context.spec().name());
    // DJL's image translators decode with ImageIO, which by default caches each stream in a temporary file
    // registered with a JDK shutdown hook that closes it: an image being decoded while the JVM drains in a
    // shutdown hook (SIGTERM, Spring Boot's graceful shutdown) then fails. Request bodies are in memory anyway,
    // and decoding from memory is faster (ImageDecodingAtShutdownTest).
    ImageIO.setUseCache(false);
    ModelSignature signature = context.signature();
    TranslatorResolver.Resolution translator = TranslatorResolver.resolve(context);
    try {
      ZooModel<Input, Output> model = context.loadDjlModel(translator.translator(), device);
      try {
        translator.bind(model);
      } catch (TranslateException | RuntimeException e) {
        model.close();
        throw new ModelLoadException(
            "model " + context.spec().name() + ": " + translator.description() + " failed: " + DefaultModelContext.rootMessage(e), e);
      }
      LOG.info("Loaded {} on {} with {}", context, model.getNDManager().getDevice(), translator.description());
      return new JavaLoadedModel(model, translator, signature, ImageLimit.of(context.spec()));
    } catch (RuntimeException e) {
      translator.close();
      throw e;
    }
  }
}
