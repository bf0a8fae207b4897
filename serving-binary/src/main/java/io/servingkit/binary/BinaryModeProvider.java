package io.servingkit.binary;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import io.servingkit.ModelSignature;
import io.servingkit.ModelSpec;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import java.nio.file.Files;
import java.util.List;

/**
 * The binary mode: serves PyTorch, ONNX Runtime, TensorFlow and MXNet models that have no translator configured,
 * taking tensors in and giving tensors out (see {@link TensorCodecs} for the formats).
 *
 * <p>It serves a model when its engine is one of those four, its spec sets none of {@code translatorFactory},
 * {@code translator}, {@code application} and {@code task}, and its folder has no {@code libs/} (which holds Java-mode
 * translators). With {@code batch_size > 1} requests are stacked into one call ({@code batchifier=stack}, DJL
 * Serving's default: requests send samples without a batch dimension); {@code batchifier=concat} instead concatenates
 * requests that each carry their own leading batch dimension and returns each its own rows; {@code batchifier=none}
 * runs requests one by one.
 *
 * <p>Threading: stateless; {@link #supports} and {@link #load} may run concurrently for different models.
 */
public final class BinaryModeProvider implements ModeProvider {
  private static final List<String> ENGINES = List.of("PyTorch", "OnnxRuntime", "TensorFlow", "MXNet");
  private static final List<String> TRANSLATOR_KEYS =
      List.of("translatorFactory", "translator", "application", "task");

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public BinaryModeProvider() {}

  @Override
  public String name() {
    return "binary";
  }

  @Override
  public int priority() {
    return 10;
  }

  @Override
  public boolean supports(ModelContext context) {
    if (!ENGINES.contains(context.engine())) {
      return false;
    }
    ModelSpec spec = context.spec();
    for (String key : TRANSLATOR_KEYS) {
      if (spec.property(key).isPresent()) {
        return false;
      }
    }
    return !Files.isDirectory(context.modelDir().resolve("libs"));
  }

  /**
   * Loads the model through the core's DJL loading path with the binary translator.
   *
   * @throws io.servingkit.InvalidSpecException for an unknown {@code batchifier}
   * @throws io.servingkit.ModelLoadException when DJL cannot load the model
   */
  @Override
  public LoadedModel load(ModelContext context, Device device) {
    BatchMode mode = BatchMode.of(context.spec());
    ModelSignature signature = context.signature();
    ZooModel<Input, Output> model = context.loadDjlModel(new BinaryTranslator(mode), device);
    return new BinaryLoadedModel(model, mode, signature);
  }
}
