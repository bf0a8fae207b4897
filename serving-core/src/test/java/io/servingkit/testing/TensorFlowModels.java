package io.servingkit.testing;

import io.servingkit.internal.loading.TestNatives;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Writes TensorFlow SavedModels with the TensorFlow Java classes inside DJL's {@code tensorflow-api} (no Python):
 * a graph of constants and ops, one {@code serving_default} signature, exported with {@link
 * SavedModelBundle#exporter}.
 */
public final class TensorFlowModels {

  private TensorFlowModels() {}

  /**
   * Writes the test MLP ({@link MlpWeights}) as a SavedModel in {@code dir} ({@code saved_model.pb} and {@code
   * variables/}): signature input {@code input} [N,4] float32, output {@code output} [N,3].
   */
  public static Path writeMlp(Path dir) {
    TestNatives.installTensorFlow();
    MlpWeights w = MlpWeights.load();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input =
          tf.withName("input").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> hidden =
          tf.nn.relu(
              tf.math.add(
                  tf.linalg.matMul(input, tf.constant(MlpWeights.transpose(w.fc1Weight))), tf.constant(w.fc1Bias)));
      Operand<TFloat32> output =
          tf.withName("output")
              .math
              .add(tf.linalg.matMul(hidden, tf.constant(MlpWeights.transpose(w.fc2Weight))), tf.constant(w.fc2Bias));
      Signature signature =
          Signature.builder().key(Signature.DEFAULT_KEY).input("input", input).output("output", output).build();
      try (Session session = new Session(graph)) {
        Files.createDirectories(dir.getParent());
        SavedModelBundle.exporter(dir.toString()).withFunction(SessionFunction.create(signature, session)).export();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
