package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import io.servingkit.BadInputException;
import io.servingkit.WorkerDiedException;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code PaddlePaddle} engine through plain DJL 0.36 {@code Criteria}: one worker JVM for the whole class. */
class PaddleEngineTest {

  @TempDir static Path temp;
  private static ZooModel<NDList, NDList> model;
  private static NDManager manager;

  @BeforeAll
  static void load() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("fc"), "inference", PaddleModels.SMALL);
    model =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(dir)
            .optEngine("PaddlePaddle")
            .optTranslator(new NoopTranslator())
            .build()
            .loadModel();
    manager = Engine.getEngine("PaddlePaddle").newBaseManager();
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
    manager.close();
  }

  @Test
  void theEngineIsRegisteredWithDjl() {
    Engine engine = Engine.getEngine("PaddlePaddle");
    assertThat(engine.getEngineName()).isEqualTo("PaddlePaddle");
    assertThat(engine.getVersion()).isEqualTo("2.3.2");
    assertThat(model.getWrappedModel()).isInstanceOf(PaddleModel.class);
  }

  @Test
  void computesTheLayer() throws TranslateException {
    float[][] x = {{0, 1, 2, 3}, {4, 5, 6, 7}};
    try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
      NDList out = predictor.predict(new NDList(manager.create(flatten(x), new Shape(2, 4))));
      assertThat(out).hasSize(1);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 3));
      assertThat(out.get(0).toFloatArray()).containsExactly(flatten(PaddleModels.SMALL.apply(x)), within(1e-4f));
    }
  }

  @Test
  void aWrongShapeIsABadInputAndTheWorkerLivesOn() throws TranslateException {
    long pid = ((PaddleModel) model.getWrappedModel()).workerPid();
    try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
      NDArray wrong = manager.create(new float[10], new Shape(2, 5));
      assertThatThrownBy(() -> predictor.predict(new NDList(wrong)))
          .isInstanceOf(TranslateException.class)
          .hasCauseInstanceOf(BadInputException.class)
          .cause()
          .hasMessage("input x must be float32 [-1, 4] (-1: any size), the request has float32 [2, 5]");
      NDArray ints = manager.create(new int[8], new Shape(2, 4));
      assertThatThrownBy(() -> predictor.predict(new NDList(ints)))
          .cause()
          .hasMessage("input x must be float32 [-1, 4] (-1: any size), the request has int32 [2, 4]");
      assertThatThrownBy(() -> predictor.predict(new NDList(wrong, wrong)))
          .cause()
          .hasMessage("the model takes 1 input(s) [x], the request has 2");
      NDList ok = predictor.predict(new NDList(manager.create(new float[4], new Shape(1, 4))));
      assertThat(ok.get(0).toFloatArray()).containsExactly(PaddleModels.SMALL.b());
    }
    assertThat(((PaddleModel) model.getWrappedModel()).workerPid()).isEqualTo(pid);
  }

  @Test
  void aKilledWorkerFailsItsPredictorsAndTheNextPredictorStartsANewOne() throws Exception {
    PaddleModel paddle = (PaddleModel) model.getWrappedModel();
    try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
      long pid = paddle.workerPid();
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty());
      assertThatThrownBy(() -> predictor.predict(new NDList(manager.create(new float[4], new Shape(1, 4)))))
          .cause()
          .isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("the PaddlePaddle worker of model fc stopped answering: it ended (killed by signal 9)")
          .satisfies(e -> assertThat(((WorkerDiedException) e).isRetryable()).isTrue());
    }
    try (Predictor<NDList, NDList> again = model.newPredictor()) {
      NDList out = again.predict(new NDList(manager.create(new float[] {1, 0, 0, 0}, new Shape(1, 4))));
      assertThat(out.get(0).toFloatArray()).containsExactly(new float[] {0.75f, 0f, 3.5f}, within(1e-5f));
    }
  }

  @Test
  void paddleLoggingIsSilencedUnlessAskedFor() throws Exception {
    String quiet = ((PaddleModel) model.getWrappedModel()).workerOutput();
    assertThat(quiet).doesNotContain("analysis_predictor").doesNotContain("Running analysis").doesNotContain("InitGoogleLogging");

    Path dir = PaddleModels.write(temp.resolve("loud"), "inference", PaddleModels.SMALL);
    try (ZooModel<NDList, NDList> loud =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(dir)
            .optEngine("PaddlePaddle")
            .optOption("DisableGlog", "false")
            .optTranslator(new NoopTranslator())
            .build()
            .loadModel()) {
      // the same lines are there when glog is left on: the check above can fail
      assertThat(((PaddleModel) loud.getWrappedModel()).workerOutput()).contains("analysis_predictor").contains("Running analysis");
    }
  }

  static float[] flatten(float[][] rows) {
    float[] flat = new float[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, flat, r * rows[r].length, rows[r].length);
    }
    return flat;
  }
}
