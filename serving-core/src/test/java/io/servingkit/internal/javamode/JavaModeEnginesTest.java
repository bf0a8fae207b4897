package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDManager;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.MlpWeights;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.MxNetModels;
import io.servingkit.testing.TensorFlowModels;
import io.servingkit.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test MLP loaded through every engine it exists for, tensors in and out, through the Java mode. */
class JavaModeEnginesTest {

  private static final MlpWeights MLP = MlpWeights.load();

  @TempDir Path temp;

  @ParameterizedTest
  @ValueSource(strings = {"PyTorch", "OnnxRuntime", "TensorFlow", "MXNet"})
  void mlpAnswersTheSavedExpectedOutputsOnEveryEngine(String engine) throws Exception {
    Path dir = mlpFolder(engine);
    try (LoadedModel model = load(dir, Map.of());
        ModelWorker worker = model.newWorker(0);
        NDManager manager = NDManager.newBaseManager(engine)) {
      Output output = worker.predict(List.of(ModelHarness.input(TestModels.bytes("mlp-data/inputs.npy")))).get(0);

      assertThat(output.getCode()).isEqualTo(200);
      assertThat(output.getProperty("Content-Type", null)).isEqualTo("tensor/ndlist");
      List<float[]> arrays = ModelHarness.floats(manager, ModelHarness.body(output));
      float[] expected = ModelHarness.floats(manager, TestModels.bytes("mlp-data/expected.npy")).get(0);
      assertThat(arrays).hasSize(1);
      assertThat(arrays.get(0)).containsExactly(expected, within(1e-5f));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"PyTorch", "OnnxRuntime", "TensorFlow", "MXNet"})
  void aBatchOfSingleRowsIsStackedIntoOneCallWhenBatchSizeIsSet(String engine) throws Exception {
    Path dir = mlpFolder(engine);
    try (LoadedModel model = load(dir, Map.of("batch_size", "5"));
        ModelWorker worker = model.newWorker(0);
        NDManager manager = NDManager.newBaseManager(engine)) {
      List<Input> batch = new ArrayList<>();
      for (float[] row : MLP.inputs) {
        try (ai.djl.ndarray.NDList list = new ai.djl.ndarray.NDList(manager.create(row))) {
          batch.add(ModelHarness.input(list.encode()));
        }
      }
      List<Output> outputs = worker.predict(batch);

      assertThat(outputs).hasSize(MLP.inputs.length);
      for (int i = 0; i < outputs.size(); i++) {
        float[] actual = ModelHarness.floats(manager, ModelHarness.body(outputs.get(i))).get(0);
        assertThat(actual).as("row %d", i).containsExactly(MLP.expected[i], within(1e-5f));
      }
    }
  }

  @org.junit.jupiter.api.Test
  void optionModelNamePicksTheModelFileAmongSeveral() throws Exception {
    Path dir = TestModels.copy("digits-pt", temp, "two-models");
    java.nio.file.Files.copy(TestModels.dir("mlp-pt").resolve("mlp.pt"), dir.resolve("mlp.pt"));
    TestModels.writeProperties(dir, "option.modelName=mlp");
    try (LoadedModel model = load(dir, Map.of());
        ModelWorker worker = model.newWorker(0);
        NDManager manager = NDManager.newBaseManager("PyTorch")) {
      Output output = worker.predict(List.of(ModelHarness.input(TestModels.bytes("mlp-data/inputs.npy")))).get(0);
      float[] expected = ModelHarness.floats(manager, TestModels.bytes("mlp-data/expected.npy")).get(0);
      assertThat(ModelHarness.floats(manager, ModelHarness.body(output)).get(0)).containsExactly(expected, within(1e-5f));
    }
  }

  private Path mlpFolder(String engine) {
    switch (engine) {
      case "PyTorch":
        return TestModels.dir("mlp-pt");
      case "OnnxRuntime":
        return TestModels.dir("mlp-onnx");
      case "TensorFlow":
        return TensorFlowModels.writeMlp(temp.resolve("mlp-tf"));
      case "MXNet":
        Path dir = MxNetModels.writeMlp(temp.resolve("mlp-mx"), "mlp");
        TestModels.writeProperties(dir, "option.modelName=mlp");
        return dir;
      default:
        throw new IllegalArgumentException(engine);
    }
  }

  private LoadedModel load(Path dir, Map<String, String> properties) {
    return JavaModeFixtures.load(dir, temp, properties);
  }
}
