package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trained digits CNN on PyTorch through DJL's built-in image translators: the committed folder
 * ({@code translatorFactory=ImageClassificationTranslatorFactory}), the same picked by {@code application}, and the
 * feature extractor picked by {@code task}.
 */
class JavaModeDigitsTest {

  private static float[][] expected;

  @TempDir Path temp;

  @BeforeAll
  static void readExpectedProbabilities() {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      expected = DigitImages.probabilities(manager);
    }
  }

  @Test
  void theImageClassifierNamesTheRightDigitForEverySampleImage() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp);
        ModelWorker worker = model.newWorker(0)) {
      for (int digit = 0; digit < 10; digit++) {
        Output output = worker.predict(List.of(ModelHarness.input(DigitImages.png(digit)))).get(0);

        assertThat(output.getCode()).isEqualTo(200);
        assertThat(output.getProperty("Content-Type", null)).isEqualTo("application/json");
        assertClassification(output, digit, expected);
      }
    }
  }

  @Test
  void aBatchOfImagesRunsAsOneBatchAndKeepsTheOrder() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp);
        ModelWorker worker = model.newWorker(0)) {
      List<Input> batch = new ArrayList<>();
      for (int digit = 9; digit >= 0; digit--) {
        batch.add(ModelHarness.input(DigitImages.png(digit)));
      }
      List<Output> outputs = worker.predict(batch);

      assertThat(outputs).hasSize(10);
      for (int i = 0; i < 10; i++) {
        assertClassification(outputs.get(i), 9 - i, expected);
      }
    }
  }

  @Test
  void workersOfOneModelPredictConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp);
        ModelWorker first = model.newWorker(0);
        ModelWorker second = model.newWorker(1)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> runs = new ArrayList<>();
      for (ModelWorker worker : List.of(first, second)) {
        runs.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < 2; round++) {
                    for (int digit = 0; digit < 10; digit++) {
                      assertClassification(
                          worker.predict(List.of(ModelHarness.input(DigitImages.png(digit)))).get(0), digit, expected);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> run : runs) {
        run.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void applicationImageClassificationPicksTheBuiltInClassifier() throws Exception {
    Path dir = TestModels.copy("digits-pt", temp, "digits");
    TestModels.writeProperties(
        dir, "engine=PyTorch", "application=cv/image_classification", "width=8", "height=8", "flag=GRAYSCALE",
        "applySoftmax=true", "topK=3");
    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      assertClassification(worker.predict(List.of(ModelHarness.input(DigitImages.png(7)))).get(0), 7, expected);
    }
  }

  @Test
  void taskImageFeatureExtractionReturnsTheNetworksOutputVector() throws Exception {
    Path dir = TestModels.copy("digits-pt", temp, "digits");
    TestModels.writeProperties(dir, "option.modelName=digits", "task=image-feature-extraction", "width=8", "height=8", "flag=GRAYSCALE");
    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      Output output = worker.predict(List.of(ModelHarness.input(DigitImages.png(4)))).get(0);

      JsonArray features = JsonParser.parseString(text(output)).getAsJsonArray();
      assertThat(features).hasSize(10);
      int best = 0;
      for (int c = 1; c < 10; c++) {
        if (features.get(c).getAsFloat() > features.get(best).getAsFloat()) {
          best = c;
        }
      }
      assertThat(best).isEqualTo(4);
    }
  }

  /**
   * Top-3 classes as {@code [{"className","probability"}]}, the first being {@code digit} with torch's probability
   * ({@code expected[digit][class]}).
   */
  static void assertClassification(Output output, int digit, float[][] expected) {
    JsonElement json = JsonParser.parseString(text(output));
    assertThat(json.isJsonArray()).as("body %s", json).isTrue();
    JsonArray classes = json.getAsJsonArray();
    assertThat(classes).hasSize(3);
    JsonObject top = classes.get(0).getAsJsonObject();
    assertThat(top.keySet()).containsExactlyInAnyOrder("className", "probability");
    assertThat(top.get("className").getAsString()).isEqualTo(Integer.toString(digit));
    assertThat(top.get("probability").getAsDouble()).isCloseTo(expected[digit][digit], within(1e-4));
    for (int i = 1; i < 3; i++) {
      JsonObject other = classes.get(i).getAsJsonObject();
      int c = Integer.parseInt(other.get("className").getAsString());
      assertThat(other.get("probability").getAsDouble()).isCloseTo(expected[digit][c], within(1e-4));
    }
  }

  private static String text(Output output) {
    return new String(output.getData().getAsBytes(), StandardCharsets.UTF_8);
  }
}
