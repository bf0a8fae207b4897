package io.servingkit.internal.signature;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelSignature;
import io.servingkit.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds a model's {@link ModelSignature}: {@code v2.inputs} / {@code v2.outputs} in its spec (JSON arrays of
 * {@code {"name", "datatype", "shape"}}, as the Open Inference Protocol's model metadata writes them) win; otherwise
 * an ONNX model's own file says (graph inputs that are not initializers, and graph outputs); otherwise nothing is
 * known.
 */
public final class Signatures {

  /** The spec key that lists a model's inputs. */
  public static final String INPUTS_KEY = "v2.inputs";
  /** The spec key that lists a model's outputs. */
  public static final String OUTPUTS_KEY = "v2.outputs";

  static final Set<String> DATATYPES =
      Set.of(
          "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "BF16", "FP32",
          "FP64", "BYTES");

  private static final ModelSignature EMPTY = new ModelSignature(List.of(), List.of());

  private Signatures() {}

  /**
   * The signature of the model in {@code dir}.
   *
   * @throws InvalidSpecException when {@code v2.inputs} or {@code v2.outputs} is malformed
   */
  public static ModelSignature read(Path dir, ModelSpec spec, String engine) {
    Optional<String> in = spec.property(INPUTS_KEY);
    Optional<String> out = spec.property(OUTPUTS_KEY);
    ModelSignature fromFile = EMPTY;
    if ((in.isEmpty() || out.isEmpty()) && "OnnxRuntime".equals(engine)) {
      fromFile = onnx(dir, spec).orElse(EMPTY);
    }
    List<ModelSignature.Tensor> inputs = in.isPresent() ? parse(INPUTS_KEY, in.get()) : fromFile.inputs();
    List<ModelSignature.Tensor> outputs = out.isPresent() ? parse(OUTPUTS_KEY, out.get()) : fromFile.outputs();
    return new ModelSignature(inputs, outputs);
  }

  private static Optional<ModelSignature> onnx(Path dir, ModelSpec spec) {
    String prefix = spec.property("option.modelName").orElse(dir.getFileName() == null ? "" : dir.getFileName().toString());
    Path file = dir.resolve(prefix + ".onnx");
    if (!Files.isRegularFile(file)) {
      file = dir.resolve("model.onnx");
    }
    if (!Files.isRegularFile(file)) {
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> onnx = files.filter(p -> p.getFileName().toString().endsWith(".onnx")).toList();
        if (onnx.size() != 1) {
          return Optional.empty();
        }
        file = onnx.get(0);
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(OnnxGraphReader.read(file));
    } catch (IOException | RuntimeException e) {
      // the engine reports a broken file when it loads it; metadata then stays unknown
      return Optional.empty();
    }
  }

  /** Parses one {@code v2.inputs} / {@code v2.outputs} value. */
  static List<ModelSignature.Tensor> parse(String key, String value) {
    JsonElement root;
    try {
      root = JsonParser.parseString(value);
    } catch (JsonParseException e) {
      throw bad(key, value, "not JSON: " + e.getMessage());
    }
    if (!root.isJsonArray()) {
      throw bad(key, value, "expected a JSON array of {\"name\", \"datatype\", \"shape\"} objects");
    }
    List<ModelSignature.Tensor> tensors = new ArrayList<>();
    for (JsonElement e : root.getAsJsonArray()) {
      if (!e.isJsonObject()) {
        throw bad(key, value, "every entry must be an object");
      }
      JsonObject o = e.getAsJsonObject();
      String name = string(o, "name", key, value);
      String datatype = string(o, "datatype", key, value);
      if (!DATATYPES.contains(datatype)) {
        throw bad(key, value, "unknown datatype " + datatype + " (expected one of " + DATATYPES + ")");
      }
      JsonElement shape = o.get("shape");
      if (shape == null || !shape.isJsonArray()) {
        throw bad(key, value, "tensor " + name + " needs a \"shape\" array");
      }
      List<Long> dims = new ArrayList<>();
      for (JsonElement d : (JsonArray) shape) {
        long dim;
        try {
          dim = d.getAsLong();
        } catch (RuntimeException ex) {
          throw bad(key, value, "tensor " + name + " has a dimension that is not an integer: " + d);
        }
        if (dim < -1) {
          throw bad(key, value, "tensor " + name + " has dimension " + dim + " (use -1 for a varying one)");
        }
        dims.add(dim);
      }
      tensors.add(new ModelSignature.Tensor(name, datatype, dims));
    }
    return tensors;
  }

  private static String string(JsonObject o, String field, String key, String value) {
    JsonElement e = o.get(field);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw bad(key, value, "every entry needs a string \"" + field + "\"");
    }
    return e.getAsString();
  }

  private static InvalidSpecException bad(String key, String value, String why) {
    String shown = value.length() > 200 ? value.substring(0, 200) + "..." : value;
    return new InvalidSpecException(key + "=" + shown + ": " + why);
  }
}
