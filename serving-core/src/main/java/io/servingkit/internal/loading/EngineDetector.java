package io.servingkit.internal.loading;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Decides which engine serves a model folder when none is given, in DJL Serving's order (compat.md §2).
 *
 * <p>{@code engine=} (given or in {@code serving.properties}) wins. Otherwise the model file prefix is
 * {@code option.modelName}, else the folder name (the name DJL then looks for), and the first of these matches
 * decides: {@code <prefix>.pt}/{@code model.pt} → PyTorch,
 * {@code saved_model.pb} → TensorFlow, {@code <prefix>.onnx}/{@code model.onnx} → OnnxRuntime,
 * {@code <prefix>-symbol.json}/{@code <prefix>-NNNN.params} → MXNet, {@code <prefix>.pdmodel}/{@code
 * inference.pdmodel} → PaddlePaddle, {@code model.py}/{@code <prefix>.py}/{@code MAR-INF/}/{@code
 * option.entryPoint} → Python.
 */
public final class EngineDetector {

  private static final Pattern PARAMS = Pattern.compile("-\\d{4}\\.params");

  private EngineDetector() {}

  /**
   * Returns the canonical engine name for a model folder.
   *
   * @param modelDir the local model folder
   * @param spec the model's spec; keys it lacks are read from the folder's {@code serving.properties}
   * @throws InvalidSpecException when {@code engine=} names an unknown engine
   * @throws ModelNotFoundException (404, as DJL Serving answers) when no rule matches: "Failed to detect engine of the model: &lt;dir&gt;"
   */
  public static String detect(Path modelDir, ModelSpec spec) {
    ModelSpec merged = spec.withDefaults(ModelSpec.readProperties(modelDir.resolve("serving.properties")));
    if (merged.engine().isPresent()) {
      return ModelSpec.canonicalEngine(merged.engine().get());
    }
    String modelName = merged.options().get("modelName");
    Path folderName = modelDir.getFileName();
    String prefix =
        modelName != null && !modelName.isBlank() ? modelName.strip() : folderName == null ? "model" : folderName.toString();
    if (isFile(modelDir, prefix + ".pt") || isFile(modelDir, "model.pt")) {
      return "PyTorch";
    }
    if (isFile(modelDir, "saved_model.pb")) {
      return "TensorFlow";
    }
    if (isFile(modelDir, prefix + ".onnx") || isFile(modelDir, "model.onnx")) {
      return "OnnxRuntime";
    }
    if (isFile(modelDir, prefix + "-symbol.json") || hasMxNetParams(modelDir, prefix)) {
      return "MXNet";
    }
    if (isFile(modelDir, prefix + ".pdmodel") || isFile(modelDir, "inference.pdmodel")) {
      return "PaddlePaddle";
    }
    if (isFile(modelDir, "model.py")
        || isFile(modelDir, prefix + ".py")
        || Files.isDirectory(modelDir.resolve("MAR-INF"))
        || merged.options().containsKey("entryPoint")) {
      return "Python";
    }
    throw new ModelNotFoundException("Failed to detect engine of the model: " + modelDir);
  }

  private static boolean isFile(Path dir, String name) {
    return Files.isRegularFile(dir.resolve(name));
  }

  private static boolean hasMxNetParams(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(
          file -> {
            String name = file.getFileName().toString();
            return name.startsWith(prefix) && PARAMS.matcher(name.substring(prefix.length())).matches();
          });
    } catch (IOException e) {
      throw new ModelLoadException("cannot list model folder " + dir + ": " + e.getMessage(), e);
    }
  }
}
