package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Java user's own translator ({@code float[] -> float[]}) on the real MLP, batched by the server. */
class TypedModelTest {
  @TempDir Path temp;
  private ModelServer server;

  /** Four features in, the three logits out; stacked into batches by DJL's stack batchifier. */
  static final class FloatsTranslator implements Translator<float[], float[]> {
    @Override
    public NDList processInput(TranslatorContext ctx, float[] input) {
      if (input.length != 4) {
        throw new IllegalArgumentException("expected 4 features, got " + input.length);
      }
      return new NDList(ctx.getNDManager().create(input));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      return list.singletonOrThrow().toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
      return Batchifier.STACK;
    }
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    ThreadLeaks.assertNoneLeft();
  }

  @Test
  void typedJobsRunThroughTheQueueInBatchesAndMatchTheRawPredictor() throws Exception {
    Path dir = TestModels.dir("mlp-pt");
    server = ModelServer.builder().workDir(temp.resolve("w")).build();
    TypedModel<float[], float[]> mlp =
        server.register(
            ModelSpec.parse("mlp=file:" + dir).with("batch_size", "4").with("max_batch_delay", "50"),
            float[].class,
            float[].class,
            new FloatsTranslator());
    Random random = new Random(7);
    List<float[]> inputs = new ArrayList<>();
    List<CompletableFuture<float[]>> futures = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      float[] x = {random.nextFloat(), random.nextFloat(), random.nextFloat(), random.nextFloat()};
      inputs.add(x);
      futures.add(mlp.predict(x));
    }
    try (ZooModel<float[], float[]> raw =
            Criteria.builder()
                .setTypes(float[].class, float[].class)
                .optModelPath(dir)
                .optModelName("mlp")
                .optEngine("PyTorch")
                .optTranslator(new FloatsTranslator())
                .build()
                .loadModel();
        Predictor<float[], float[]> predictor = raw.newPredictor()) {
      for (int i = 0; i < inputs.size(); i++) {
        assertThat(futures.get(i).get(30, TimeUnit.SECONDS))
            .containsExactly(predictor.predict(inputs.get(i)), org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
    assertThat(server.scrapeMetrics()).contains("servingkit_batch_size_max{model=\"mlp\",version=\"\"} 4.0");
  }

  @Test
  void translatorFailuresAreBadInputAndTheRestApiTypeIsRefused() throws Exception {
    server = ModelServer.builder().workDir(temp.resolve("w")).build();
    TypedModel<float[], float[]> mlp =
        server.register(
            ModelSpec.parse("mlp=file:" + TestModels.dir("mlp-pt")), float[].class, float[].class, new FloatsTranslator());
    assertThatThrownBy(() -> mlp.predict(new float[] {1, 2}).get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("expected 4 features, got 2");
    assertThatThrownBy(() -> server.predict("mlp", new Input()).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(BadInputException.class)
        .hasMessage("model mlp takes [F inputs, not ai.djl.modality.Input");
    assertThat(mlp.predict(new float[] {0, 0, 0, 0}).get(30, TimeUnit.SECONDS)).hasSize(3);
  }
}
