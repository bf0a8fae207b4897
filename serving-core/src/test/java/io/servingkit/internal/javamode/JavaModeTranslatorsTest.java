package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.modality.Output;
import io.servingkit.BadInputException;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.MlpWeights;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.TranslatorSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User translators from a model's {@code libs/}: compiled sources, named classes, factories and jars. */
class JavaModeTranslatorsTest {

  private static final MlpWeights MLP = MlpWeights.load();

  @TempDir Path temp;

  @Test
  void aServingTranslatorSourceInLibsClassesIsCompiledAndServes() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TestModels.writeProperties(dir, "option.modelName=mlp", "label=from-properties");

    LoadedModel model = JavaModeFixtures.load(dir, temp);
    try (ModelWorker worker = model.newWorker(0)) {
      assertCsvAnswer(worker, "from-properties");
    }
    Path work = temp.resolve("work");
    assertThat(listNames(work)).as("compiled classes while loaded").anyMatch(n -> n.startsWith("libs-classes-"));
    model.close();

    assertThat(listNames(work)).as("compiled classes after close").noneMatch(n -> n.startsWith("libs-classes-"));
    assertThat(listNames(dir.resolve("libs/classes/com/example"))).as("the model folder is never written to")
        .containsExactly("CsvTranslator.java");
  }

  @Test
  void translatorNamesWhichOfSeveralTranslatorsToUse() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TranslatorSources.writeSource(dir, TranslatorSources.OTHER_TRANSLATOR);
    TestModels.writeProperties(dir, "option.modelName=mlp", "translator=com.example.OtherTranslator");

    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      assertCsvAnswer(worker, "other");
    }
  }

  @Test
  void aTranslatorFactoryFromLibsIsUsed() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_FACTORY);
    TestModels.writeProperties(dir, "option.modelName=mlp", "translatorFactory=com.example.CsvFactory");

    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      assertCsvAnswer(worker, "factory");
    }
  }

  @Test
  void aServingTranslatorInALibsJarIsFound() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeJar(dir, "translators.jar", temp, TranslatorSources.CSV_TRANSLATOR);
    TestModels.writeProperties(dir, "option.modelName=mlp", "label=jar");

    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      assertCsvAnswer(worker, "jar");
    }
  }

  @Test
  void callValuesWinOverServingProperties() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TestModels.writeProperties(dir, "option.modelName=mlp", "label=from-properties");

    try (LoadedModel model = JavaModeFixtures.load(dir, temp, Map.of("label", "from-call"));
        ModelWorker worker = model.newWorker(0)) {
      assertCsvAnswer(worker, "from-call");
    }
  }

  @Test
  void aTranslatorFailureIsABadInputWithTheRootCauseMessage() throws Exception {
    Path dir = mlp();
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> worker.predict(List.of(ModelHarness.input("1,2,x,4".getBytes(StandardCharsets.UTF_8)))))
          .isInstanceOf(BadInputException.class)
          .hasMessage("For input string: \"x\"");
      // the worker is still usable after a bad input
      assertCsvAnswer(worker, "none");
    }
  }

  private Path mlp() {
    return TestModels.copy("mlp-onnx", temp, "mlp");
  }

  private static void assertCsvAnswer(ModelWorker worker, String label) throws Exception {
    for (int row = 0; row < MLP.inputs.length; row++) {
      StringBuilder csv = new StringBuilder();
      for (float v : MLP.inputs[row]) {
        csv.append(csv.length() == 0 ? "" : ",").append(v);
      }
      Output output = worker.predict(List.of(ModelHarness.input(csv.toString().getBytes(StandardCharsets.UTF_8)))).get(0);
      String text = output.getData().getAsString();
      assertThat(text).startsWith(label + ":");
      String[] cells = text.substring(label.length() + 1).split(",");
      float[] values = new float[cells.length];
      for (int i = 0; i < cells.length; i++) {
        values[i] = Float.parseFloat(cells[i]);
      }
      assertThat(values).as("row %d", row).containsExactly(MLP.expected[row], within(1e-5f));
    }
  }

  private static List<String> listNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList());
    }
  }
}
