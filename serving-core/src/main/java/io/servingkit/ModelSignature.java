package io.servingkit;

import java.util.List;
import java.util.Objects;

/**
 * What a model takes and answers: its input and output tensors with names, Open Inference Protocol datatypes
 * ({@code FP32}, {@code INT64}, {@code BYTES}, ...) and shapes, {@code -1} marking a dimension that varies. Read at
 * load time from what the engine's model file says (ONNX files) or from {@code serving.properties}
 * ({@code v2.inputs} / {@code v2.outputs}); see {@link ModelServer#signature}.
 *
 * @param inputs the inputs, in the order the model takes them; empty when unknown
 * @param outputs the outputs, in the order the model answers them; empty when unknown
 */
public record ModelSignature(List<Tensor> inputs, List<Tensor> outputs) {

  /** Copies both lists. */
  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * One tensor of a signature.
   *
   * @param name the tensor's name in the model
   * @param datatype the Open Inference Protocol datatype ({@code BOOL}, {@code UINT8} ... {@code INT64},
   *     {@code FP16}, {@code BF16}, {@code FP32}, {@code FP64}, {@code BYTES})
   * @param shape the dimensions, {@code -1} where a dimension varies; empty for a scalar
   */
  public record Tensor(String name, String datatype, List<Long> shape) {

    /** Checks the fields and copies the shape. */
    public Tensor {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(datatype, "datatype");
      shape = List.copyOf(shape);
    }
  }

  /** Whether nothing is known about the model's tensors. */
  public boolean isEmpty() {
    return inputs.isEmpty() && outputs.isEmpty();
  }
}
