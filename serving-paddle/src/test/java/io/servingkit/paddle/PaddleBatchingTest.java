package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.ServingListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching through {@link ModelServer}: four requests queued together run as one call of the worker, with
 * tensors in and out (the core's byte-stacking batchifier) and with a Java translator.
 */
class PaddleBatchingTest {

  private static final int BATCH = 4;
  /** Long enough that four requests submitted back to back always land in one batch; a full batch does not wait. */
  private static final Map<String, String> BATCHING =
      Map.of("batch_size", String.valueOf(BATCH), "max_batch_delay", "10000", "minWorkers", "1", "maxWorkers", "1");

  @TempDir static Path temp;
  private static final List<String> batches = new CopyOnWriteArrayList<>();
  private static ModelServer server;
  private static NDManager manager;

  @BeforeAll
  static void start() {
    ServingListener listener =
        new ServingListener() {
          @Override
          public void batchStarted(String model, String version, int workerId, int size) {
            batches.add(model + ":" + size);
          }
        };
    server = ModelServer.builder().workDir(temp.resolve("work")).listener(listener).build();
    manager = Engine.getEngine("PaddlePaddle").newBaseManager();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    manager.close();
  }

  @Test
  void tensorRequestsAreStackedIntoOneCall() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("stacked"), "inference", PaddleModels.SMALL);
    server.register(ModelSpec.of("stacked", null, dir.toUri().toString(), BATCHING));
    float[][] rows = rows();
    List<CompletableFuture<Output>> answers = new ArrayList<>();
    for (float[] row : rows) {
      // batchifier=stack (the default for batch_size > 1): each request is one sample, without the batch dimension
      Input input = new Input();
      input.add("data", new NDList(manager.create(row, new Shape(4))).encode());
      answers.add(server.predict("stacked", input));
    }
    float[][] expected = PaddleModels.SMALL.apply(rows);
    for (int i = 0; i < BATCH; i++) {
      try (NDList out = NDList.decode(manager, answers.get(i).get(60, TimeUnit.SECONDS).getData().getAsBytes())) {
        assertThat(out.get(0).getShape()).isEqualTo(new Shape(3));
        assertThat(out.get(0).toFloatArray()).containsExactly(expected[i], within(1e-4f));
      }
    }
    assertThat(batches).contains("stacked:" + BATCH);
  }

  @Test
  void aTranslatorGetsTheWholeBatch() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("translated"), "inference", PaddleModels.OTHER);
    java.nio.file.Files.writeString(dir.resolve("serving.properties"), "translator=" + RowsTranslator.class.getName() + "\n");
    server.register(ModelSpec.of("translated", null, dir.toUri().toString(), BATCHING));
    float[][] rows = rows();
    List<CompletableFuture<Output>> answers = new ArrayList<>();
    for (float[] row : rows) {
      Input input = new Input();
      input.add("data", new com.google.gson.Gson().toJson(row).getBytes(StandardCharsets.UTF_8));
      answers.add(server.predict("translated", input));
    }
    float[][] expected = PaddleModels.OTHER.apply(rows);
    for (int i = 0; i < BATCH; i++) {
      String body = answers.get(i).get(60, TimeUnit.SECONDS).getData().getAsString();
      JsonArray scores = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("scores");
      for (int j = 0; j < 3; j++) {
        assertThat(scores.get(j).getAsFloat()).isCloseTo(expected[i][j], within(1e-4f));
      }
    }
    assertThat(batches).contains("translated:" + BATCH);
  }

  private static float[][] rows() {
    float[][] rows = new float[BATCH][4];
    for (int i = 0; i < BATCH; i++) {
      for (int j = 0; j < 4; j++) {
        rows[i][j] = i * 10 + j * 0.5f - 3;
      }
    }
    return rows;
  }
}
