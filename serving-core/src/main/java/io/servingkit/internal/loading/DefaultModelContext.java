package io.servingkit.internal.loading;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.engine.Engine;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.Translator;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSignature;
import io.servingkit.ModelSpec;
import io.servingkit.ServingException;
import io.servingkit.TypedModel;
import io.servingkit.internal.signature.Signatures;
import io.servingkit.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The core's {@link ModelContext}: a resolved spec, its local folder, the engine and the server's scratch folder,
 * and the one DJL loading path that every DJL-based mode shares.
 *
 * <p>Threading: immutable; {@link #loadDjlModel} may be called from several threads (one per device).
 */
public final class DefaultModelContext implements ModelContext {

  /** Maven coordinates that provide each DJL engine, for the "engine is not on the class path" message. */
  private static final Map<String, String> ENGINE_ARTIFACTS =
      Map.of(
          "PyTorch", "ai.djl.pytorch:pytorch-engine with pytorch-native-cpu",
          "OnnxRuntime", "ai.djl.onnxruntime:onnxruntime-engine",
          "TensorFlow", "ai.djl.tensorflow:tensorflow-engine with org.tensorflow:tensorflow-core-native",
          "MXNet", "ai.djl.mxnet:mxnet-engine with mxnet-native-mkl",
          "PaddlePaddle", "io.servingkit:serving-paddle (DJL 0.36 has no PaddlePaddle engine of its own)");

  private final ModelSpec spec;
  private final Path modelDir;
  private final String engine;
  private final Path workDir;

  /**
   * @param spec the resolved spec (call values over serving.properties over server defaults)
   * @param modelDir the local model folder
   * @param engine the canonical engine name, given or from {@link EngineDetector}
   * @param workDir the server's private scratch folder
   */
  public DefaultModelContext(ModelSpec spec, Path modelDir, String engine, Path workDir) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.modelDir = Objects.requireNonNull(modelDir, "modelDir");
    this.engine = Objects.requireNonNull(engine, "engine");
    this.workDir = Objects.requireNonNull(workDir, "workDir");
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public Path modelDir() {
    return modelDir;
  }

  @Override
  public String engine() {
    return engine;
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  @Override
  public ModelSignature signature() {
    return Signatures.read(modelDir, spec, engine);
  }

  @Override
  public ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> translator, Device device) {
    return loadDjlModel(Input.class, Output.class, translator, device);
  }

  /** The same loading path for any translator types (a {@link TypedModel}'s own translator). */
  public <I, O> ZooModel<I, O> loadDjlModel(
      Class<I> inputType, Class<O> outputType, Translator<I, O> translator, Device device) {
    requireDjlEngine(engine, spec.name());
    if (engine.equals("TensorFlow")) {
      TensorFlowNatives.install(hostClassLoader());
    }
    Criteria.Builder<I, O> criteria =
        Criteria.builder()
            .setTypes(inputType, outputType)
            .optModelPath(modelDir)
            .optEngine(engine)
            .optTranslator(translator)
            .optOptions(new LinkedHashMap<>(spec.options()))
            .optArguments(new LinkedHashMap<>(spec.arguments()));
    if (device != null) {
      criteria.optDevice(device);
    }
    String modelName = spec.options().get("modelName");
    if (modelName != null && !modelName.isBlank()) {
      criteria.optModelName(modelName.strip());
    }
    try {
      ZooModel<I, O> model = criteria.build().loadModel();
      if (engine.equals("PyTorch")) {
        PyTorchNnpack.turnOffWhereUnsupported();
      }
      return model;
    } catch (ServingException e) {
      throw e;
    } catch (IOException | ModelException | RuntimeException e) {
      throw new ModelLoadException(
          "cannot load model " + spec.name() + " from " + modelDir + " with engine " + engine + ": " + rootMessage(e), e);
    }
  }

  /**
   * Fails unless {@code engine} is a DJL engine whose jar is on the class path.
   *
   * <p>PaddlePaddle is a DJL engine here only with serving-paddle on the class path (it registers one that runs
   * the models in a worker JVM).
   *
   * @throws ModelLoadException for Python, or a missing engine jar
   */
  public static void requireDjlEngine(String engine, String modelName) {
    if (engine.equals("Python")) {
      throw new ModelLoadException("model " + modelName + " uses the Python engine, which DJL does not load");
    }
    if (!Engine.hasEngine(engine)) {
      throw new ModelLoadException(
          "engine "
              + engine
              + " is not on the class path (model "
              + modelName
              + "): add "
              + ENGINE_ARTIFACTS.getOrDefault(engine, "its DJL engine jar"));
    }
  }

  /** The loader user classes resolve against: the context class loader when it sees the same DJL API, else ours. */
  public static ClassLoader hostClassLoader() {
    ClassLoader own = DefaultModelContext.class.getClassLoader();
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context == null || context == own) {
      return own;
    }
    try {
      if (Class.forName(ServingTranslator.class.getName(), false, context) == ServingTranslator.class) {
        return context;
      }
    } catch (ClassNotFoundException | LinkageError e) {
      // the context loader does not see DJL: use ours
    }
    return own;
  }

  /** The message of the innermost cause, or its class name when it has none. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return message == null || message.isBlank() ? root.getClass().getName() : message;
  }

  @Override
  public String toString() {
    return "model " + spec.name() + " (" + engine + ") at " + modelDir;
  }
}
