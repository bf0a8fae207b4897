package io.servingkit.testing;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/** Small helpers for tests that feed a model worker: building inputs, decoding tensor outputs. */
public final class ModelHarness {

  private ModelHarness() {}

  /** An input whose {@code data} entry is {@code body}. */
  public static Input input(byte[] body) {
    return input(body, null);
  }

  /** An input whose {@code data} entry is {@code body}, with the given {@code Content-Type} (null for none). */
  public static Input input(byte[] body, String contentType) {
    Input input = new Input();
    if (contentType != null) {
      input.addProperty("Content-Type", contentType);
    }
    input.add("data", body);
    return input;
  }

  /** Decodes a tensor body (NDList, .npy or .npz) and returns its arrays as float arrays, in order. */
  public static List<float[]> floats(NDManager manager, byte[] body) {
    try (NDList list = NDList.decode(manager, body)) {
      return list.stream().map(NDArray::toFloatArray).collect(java.util.stream.Collectors.toList());
    }
  }

  /** The body of an output as bytes ({@code data} entry, else entry 0). */
  public static byte[] body(Output output) {
    return output.getData().getAsBytes();
  }
}
