package io.servingkit.spi;

import io.servingkit.ModelSignature;
import java.util.List;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.servingkit.ModelSpec;
import java.nio.file.Path;

/**
 * What the server knows about a model being loaded, given to a {@link ModeProvider}.
 *
 * <p>Threading: immutable; safe to share.
 */
public interface ModelContext {

  /** The fully resolved spec: call/URL values over serving.properties over server defaults. */
  ModelSpec spec();

  /** The local model folder (an extracted archive or the folder itself). */
  Path modelDir();

  /** The engine name, given or detected: PyTorch, OnnxRuntime, TensorFlow, MXNet, PaddlePaddle or Python. */
  String engine();

  /** A private scratch folder owned by the server instance (sockets, venvs); removed on close. */
  Path workDir();

  /**
   * Loads the model folder with DJL {@code Criteria} for {@code device} using {@code translator}, with the
   * spec's {@code option.*} keys as engine options and the other keys as arguments. Provided by the core so
   * that modes built on DJL engines (Java, binary) share one loading path.
   *
   * @throws io.servingkit.ModelLoadException when DJL cannot load the model
   */
  ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> translator, Device device);

  /**
   * The model's input and output tensors as far as they are known without running it: the spec's
   * {@code v2.inputs} / {@code v2.outputs}, else what an ONNX file declares, else empty lists. A mode returns it from
   * {@link LoadedModel#signature()} (or a better one it learnt from its engine).
   *
   * @throws io.servingkit.InvalidSpecException when {@code v2.inputs} or {@code v2.outputs} is malformed
   */
  default ModelSignature signature() {
    return new ModelSignature(List.of(), List.of());
  }
}
