package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDManager;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits network on ONNX Runtime behind DJL's image classification translator. The translator's image
 * operators (to tensor, resize, stack) need an engine with NDArray operators, which ONNX Runtime lacks: DJL borrows
 * PyTorch's unless {@code ai.djl.onnx.disable_alternative=true}. The other tests run with that property set (fast
 * ONNX loads), so this class runs in its own surefire execution, {@code onnx-operator-fallback}, which clears it.
 */
@EnabledIfSystemProperty(named = "ai.djl.onnx.disable_alternative", matches = "false")
class OnnxOperatorFallbackTest {

  @TempDir Path temp;

  private float[][] expected;

  @BeforeEach
  void readExpectedProbabilities() {
    try (NDManager manager = NDManager.newBaseManager("OnnxRuntime")) {
      expected = DigitImages.probabilities(manager);
    }
  }

  @Test
  void theOnnxImageClassifierNamesTheRightDigitForEverySampleImage() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-onnx"), temp);
        ModelWorker worker = model.newWorker(0)) {
      for (int digit = 0; digit < 10; digit++) {
        Output output = worker.predict(List.of(ModelHarness.input(DigitImages.png(digit)))).get(0);
        JavaModeDigitsTest.assertClassification(output, digit, expected);
      }
      List<Input> batch = new ArrayList<>();
      for (int digit = 0; digit < 10; digit++) {
        batch.add(ModelHarness.input(DigitImages.png(digit)));
      }
      List<Output> outputs = worker.predict(batch);
      for (int digit = 0; digit < 10; digit++) {
        JavaModeDigitsTest.assertClassification(outputs.get(digit), digit, expected);
      }
    }
  }
}
