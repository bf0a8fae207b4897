package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.modality.Input;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registering, unregistering and failing to load PaddlePaddle models: nothing may be left behind. */
class PaddleLifecycleTest {

  @TempDir Path temp;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Engine.getEngine("PaddlePaddle").newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void twoModelsTwiceOverLeaveNoThreadOrProcessBehind() throws Exception {
    Path a = PaddleModels.write(temp.resolve("a"), "inference", PaddleModels.SMALL);
    Path b = PaddleModels.write(temp.resolve("b"), "b", PaddleModels.OTHER); // b.pdmodel: the <prefix> form
    try (ModelServer server = ModelServer.builder().workDir(temp.resolve("work")).build()) {
      for (int round = 0; round < 2; round++) {
        server.register(ModelSpec.of("a", null, a.toUri().toString(), Map.of()));
        server.register(ModelSpec.of("b", null, b.toUri().toString(), Map.of()));
        assertThat(workers()).hasSize(2);
        float[][] x = {{1, -2, 3, -4}};
        assertThat(predict(server, "a", x)).containsExactly(PaddleModels.SMALL.apply(x)[0], within(1e-4f));
        assertThat(predict(server, "b", x)).containsExactly(PaddleModels.OTHER.apply(x)[0], within(1e-4f));
        server.unregister("a");
        server.unregister("b");
        Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          assertThat(workers()).isEmpty();
          assertThat(paddleThreads()).isEmpty();
        });
      }
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(servingThreads()).isEmpty());
  }

  @Test
  void aProgramPaddleCannotParseFailsTheLoadWithTheWorkersOutput() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("broken"), "inference", PaddleModels.SMALL);
    Files.write(dir.resolve("inference.pdmodel"), "not a program".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try (ModelServer server = ModelServer.builder().workDir(temp.resolve("work")).build()) {
      assertThatThrownBy(() -> server.register(ModelSpec.of("broken", null, dir.toUri().toString(), Map.of())))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("PaddlePaddle worker of model broken ended (")
          .hasMessageContaining("before it loaded the model; its last output:");
      assertThat(server.list()).isEmpty();
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(workers()).isEmpty();
      assertThat(servingThreads()).isEmpty();
    });
  }

  @Test
  void missingParametersAreNamed() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("half"), "inference", PaddleModels.SMALL);
    Files.delete(dir.resolve("inference.pdiparams"));
    try (ModelServer server = ModelServer.builder().workDir(temp.resolve("work")).build()) {
      assertThatThrownBy(() -> server.register(ModelSpec.of("half", null, dir.toUri().toString(), Map.of())))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageEndingWith(
              "PaddlePaddle model " + dir.toRealPath().resolve("inference.pdmodel") + " has no parameters file inference.pdiparams next to it");
    }
    assertThat(workers()).isEmpty();
  }

  @Test
  void aMalformedOptionIsNamed() throws Exception {
    Path dir = PaddleModels.write(temp.resolve("opt"), "inference", PaddleModels.SMALL);
    try (ModelServer server = ModelServer.builder().workDir(temp.resolve("work")).build()) {
      assertThatThrownBy(
              () -> server.register(ModelSpec.of("opt", null, dir.toUri().toString(), Map.of("option.CMLNumThreads", "two"))))
          .isInstanceOf(InvalidSpecException.class)
          .hasMessage("option.CMLNumThreads=two: expected a positive integer");
    }
    assertThat(workers()).isEmpty();
  }

  private float[] predict(ModelServer server, String model, float[][] x) throws Exception {
    Input input = new Input();
    input.add("data", new NDList(manager.create(PaddleEngineTest.flatten(x), new Shape(x.length, 4))).encode());
    byte[] body = server.predict(model, input).get(60, TimeUnit.SECONDS).getData().getAsBytes();
    try (NDList out = NDList.decode(manager, body)) {
      return out.get(0).toFloatArray();
    }
  }

  /** PaddlePaddle worker processes this JVM started and that are still there. */
  static List<ProcessHandle> workers() {
    return ProcessHandle.current().children()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().arguments().map(args -> List.of(args).contains(WorkerPlugin.MAIN_CLASS)).orElse(false))
        .toList();
  }

  static List<String> paddleThreads() {
    return servingThreads().stream().filter(n -> n.startsWith("servingkit-paddle-")).toList();
  }

  static List<String> servingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-"))
        .toList();
  }
}
