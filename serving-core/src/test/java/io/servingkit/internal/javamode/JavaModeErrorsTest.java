package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.servingkit.BadInputException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.WorkerDiedException;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.TranslatorSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each way a Java-mode model can be wrong, and the message that names the problem. */
class JavaModeErrorsTest {

  @TempDir Path temp;

  @Test
  void anUnknownEngineIsRefusedWithTheKnownOnes() {
    Path dir = TestModels.copy("mlp-pt", temp, "mlp");
    TestModels.writeProperties(dir, "engine=Caffe", "option.modelName=mlp");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("engine=Caffe: unknown engine, expected one of PyTorch, OnnxRuntime, TensorFlow, MXNet, PaddlePaddle, Python");
  }

  @Test
  void aMissingModelFileNamesTheFileAndFolder() throws IOException {
    Path dir = TestModels.copy("mlp-pt", temp, "mlp");
    Files.delete(dir.resolve("mlp.pt"));
    TestModels.writeProperties(dir, "engine=PyTorch", "option.modelName=nothere");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("cannot load model mlp from " + dir + " with engine PyTorch: ")
        .hasMessageContaining("nothere.pt file not found in: " + dir);
  }

  @Test
  void aFolderWithoutAModelFileHasNoEngine() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("empty"));
    Files.writeString(dir.resolve("README.txt"), "no model here\n");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("Failed to detect engine of the model: " + dir);
  }

  @Test
  void anUncompilableTranslatorFailsTheLoadWithTheCompilerMessage() {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TranslatorSources.writeSource(dir, TranslatorSources.BROKEN);

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("cannot compile the model's Java sources in " + dir.resolve("libs/classes") + ":")
        .hasMessageContaining("Broken.java:4: error: incompatible types: ")
        .hasMessageContaining("String cannot be converted to int");
    assertThat(Files.exists(temp.resolve("work"))).isTrue();
    assertThat(list(temp.resolve("work"))).as("no compiled classes left behind").isEmpty();
  }

  @Test
  void anUnknownTranslatorFactoryClassIsNamed() {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TestModels.writeProperties(dir, "option.modelName=mlp", "translatorFactory=com.example.NoSuchFactory");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith(
            "translatorFactory=com.example.NoSuchFactory: cannot load class com.example.NoSuchFactory from the class path");
  }

  @Test
  void anUnknownTranslatorClassIsNamedEvenWithLibs() {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TranslatorSources.writeSource(dir, TranslatorSources.CSV_TRANSLATOR);
    TestModels.writeProperties(dir, "option.modelName=mlp", "translator=com.example.Missing");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith(
            "translator=com.example.Missing: cannot load class com.example.Missing from the class path or "
                + dir.resolve("libs"));
  }

  @Test
  void aTranslatorFactoryThatIsNoFactoryIsRefused() {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TestModels.writeProperties(dir, "option.modelName=mlp", "translatorFactory=java.lang.StringBuilder");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "translatorFactory=java.lang.StringBuilder: class java.lang.StringBuilder is not a ai.djl.translate.TranslatorFactory");
  }

  @Test
  void engineOptionsReachTheEngine() {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TestModels.writeProperties(dir, "option.modelName=mlp", "option.intraOpNumThreads=many");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("cannot load model mlp from " + dir + " with engine OnnxRuntime: For input string: \"many\"");
  }

  @Test
  void aFactoryThatRejectsItsArgumentsFailsTheLoad() {
    Path dir = TestModels.copy("digits-pt", temp, "digits");
    TestModels.writeProperties(
        dir, "option.modelName=digits", "translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory",
        "flag=PURPLE");

    assertThatThrownBy(() -> JavaModeFixtures.load(dir, temp))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "model digits: translatorFactory ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory failed:"
                + " No enum constant ai.djl.modality.cv.Image.Flag.PURPLE");
  }

  @Test
  void anEngineWhoseJarIsMissingSaysWhatToAdd() {
    assertThatThrownBy(() -> DefaultModelContext.requireDjlEngine("Caffe2", "m"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("engine Caffe2 is not on the class path (model m): add its DJL engine jar");
  }

  @Test
  void paddlePaddleWithoutServingPaddleSaysWhatToAdd() throws IOException {
    Path dir = Files.createDirectories(temp.resolve("paddle"));
    Files.write(dir.resolve("inference.pdmodel"), new byte[] {0});
    Files.write(dir.resolve("inference.pdiparams"), new byte[] {0});
    DefaultModelContext context = JavaModeFixtures.context(dir, temp, java.util.Map.of());

    assertThat(context.engine()).isEqualTo("PaddlePaddle");
    assertThat(new JavaModeProvider().supports(context)).isTrue();
    assertThatThrownBy(() -> new JavaModeProvider().load(context, null))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "engine PaddlePaddle is not on the class path (model "
                + context.spec().name()
                + "): add io.servingkit:serving-paddle (DJL 0.36 has no PaddlePaddle engine of its own)");
  }

  @Test
  void aServingExceptionThrownUnderDjlReachesTheServerAsItIs() throws Exception {
    Path dir = TestModels.copy("mlp-onnx", temp, "mlp");
    TestModels.writeProperties(dir, "option.modelName=mlp", "translator=" + ServingFailureTranslator.class.getName());
    try (LoadedModel model = JavaModeFixtures.load(dir, temp);
        ModelWorker worker = model.newWorker(0)) {
      ai.djl.modality.Input died = new ai.djl.modality.Input();
      died.add("fail", "died");
      assertThatThrownBy(() -> worker.predict(List.of(died)))
          .isInstanceOf(WorkerDiedException.class)
          .hasMessage("the backend of this translator is gone")
          .satisfies(e -> assertThat(((WorkerDiedException) e).isRetryable()).isTrue());
      ai.djl.modality.Input bad = new ai.djl.modality.Input();
      bad.add("fail", "bad");
      assertThatThrownBy(() -> worker.predict(List.of(bad)))
          .isInstanceOf(BadInputException.class)
          .hasMessage("this translator takes nothing")
          .hasNoCause();
    }
  }

  @Test
  void aBodyThatIsNoTensorIsABadInput() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("mlp-pt"), temp);
        ModelWorker worker = model.newWorker(0)) {
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input("hello".getBytes(StandardCharsets.UTF_8)))))
          .isInstanceOf(BadInputException.class)
          .hasMessageStartingWith("the request body is not an NDList, .npy or .npz: ");
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input(new byte[0]))))
          .isInstanceOf(BadInputException.class)
          .hasMessage("the request has no body: expected an NDList, .npy or .npz tensor body");
    }
  }

  @Test
  void aTensorOfTheWrongShapeIsABadInputNamingTheShapes() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("mlp-pt"), temp);
        ModelWorker worker = model.newWorker(0);
        NDManager manager = NDManager.newBaseManager("PyTorch");
        NDList wrong = new NDList(manager.ones(new ai.djl.ndarray.types.Shape(2, 7)))) {
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input(wrong.encode()))))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("2x7");
    }
  }

  @Test
  void aBodyThatIsNoImageIsABadInputForTheImageClassifier() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp);
        ModelWorker worker = model.newWorker(0)) {
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input("not a png".getBytes(StandardCharsets.UTF_8)))))
          .isInstanceOf(BadInputException.class);
      // a mixed batch fails as a whole, and the worker keeps working
      assertThatThrownBy(
              () ->
                  worker.predict(
                      List.of(ModelHarness.input(DigitImages.png(1)), ModelHarness.input(new byte[] {1, 2}))))
          .isInstanceOf(BadInputException.class);
      assertThat(worker.predict(List.of(ModelHarness.input(DigitImages.png(1)))).get(0).getCode()).isEqualTo(200);
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.collect(java.util.stream.Collectors.toList());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
