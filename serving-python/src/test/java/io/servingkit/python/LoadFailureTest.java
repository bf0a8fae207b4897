package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A model that cannot load fails with a message that shows why: the traceback, the output, the option. */
@ExtendWith(NoLeaks.class)
class LoadFailureTest {
  @TempDir Path workDir;

  private PythonModel initfails(String mode, Map<String, String> more) {
    Map<String, String> overrides = new HashMap<>(more);
    overrides.put("option.init_mode", mode);
    return PythonTestModels.load("initfails", PythonTestModels.folder("initfails"), workDir, overrides);
  }

  @Test
  void initialisationExceptionFailsTheLoadWithTheTraceback() {
    try (PythonModel model = initfails("raise", Map.of())) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("model initfails worker 1 failed to initialise")
          .hasMessageContaining("Traceback (most recent call last)")
          .hasMessageContaining("model.py\", line 9, in load_weights")
          .hasMessageContaining("FileNotFoundError: [Errno 2] No such file or directory: 'weights-that-do-not-exist.bin'")
          .hasMessageNotContaining("servingkit_worker.py");
    }
  }

  @Test
  void syntaxErrorInModelPyFailsTheLoadNamingTheLine() {
    try (PythonModel model = PythonTestModels.load("syntaxerror", workDir)) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("SyntaxError")
          .hasMessageContaining("model.py\", line 4");
    }
  }

  @Test
  void processExitDuringInitialisationFailsWithItsOutput() {
    try (PythonModel model = initfails("exit", Map.of())) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("Python process ended (exit code 7) before it finished loading")
          .hasMessageContaining("giving up before the model is ready");
    }
  }

  @Test
  void errorAnswerToInitialisationFailsTheLoad() {
    try (PythonModel model = initfails("error-output", Map.of())) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("the handler answered 500 init failed")
          .hasMessageContaining("not ready");
    }
  }

  @Test
  void loadingTimeoutFailsWithWhereTheHandlerWasStuck() {
    try (PythonModel model = initfails("sleep", Map.of("option.model_loading_timeout", "2"))) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("did not finish loading within option.model_loading_timeout=2 s")
          .hasMessageContaining("model.py\", line 19 in handle");
    }
  }

  @Test
  void missingPythonExecutableIsNamed() {
    try (PythonModel model = PythonTestModels.load("echo", PythonTestModels.folder("echo"), workDir,
        Map.of("option.pythonExecutable", "/no/such/python3"))) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("option.pythonExecutable=/no/such/python3");
    }
  }

  @Test
  void folderWithoutEntryPointFailsAtLoad() throws Exception {
    Path empty = Files.createDirectories(workDir.resolve("empty"));
    Files.writeString(empty.resolve("serving.properties"), "engine=Python\n");

    assertThatThrownBy(() -> PythonTestModels.load("empty", empty, workDir.resolve("work"), Map.of()))
        .isExactlyInstanceOf(ModelLoadException.class)
        .hasMessageContaining("no Python entry point in " + empty)
        .hasMessageContaining("model.py, empty.py or option.entryPoint");
  }

  @Test
  void missingEntryPointFileIsNamed() {
    assertThatThrownBy(() -> PythonTestModels.load("echo", PythonTestModels.folder("echo"), workDir,
            Map.of("option.entryPoint", "other.py")))
        .isExactlyInstanceOf(ModelLoadException.class)
        .hasMessageContaining("option.entryPoint=other.py: no such file");
  }

  @Test
  void malformedOptionsAreRefusedNamingKeyAndValue() {
    assertThatThrownBy(() -> PythonTestModels.load("echo", PythonTestModels.folder("echo"), workDir,
            Map.of("option.env", "A=1,oops")))
        .isExactlyInstanceOf(InvalidSpecException.class)
        .hasMessage("option.env=A=1,oops: entry 'oops' is not NAME=value");
    assertThatThrownBy(() -> PythonTestModels.load("echo", PythonTestModels.folder("echo"), workDir,
            Map.of("option.handler", "not a name")))
        .isExactlyInstanceOf(InvalidSpecException.class)
        .hasMessage("option.handler=not a name: not a Python function name");
  }

  @Test
  void handlerMissingFromTheModuleIsNamed() {
    try (PythonModel model = PythonTestModels.load("echo", PythonTestModels.folder("echo"), workDir,
        Map.of("option.handler", "predict"))) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("model.py has no handler function 'predict'");
    }
  }

  @Test
  void closingTheModelStopsAWorkerThatIsStillStarting() throws Exception {
    PythonModel model = initfails("sleep", Map.of());
    ExecutorService starter = Executors.newSingleThreadExecutor();
    try {
      Future<?> start = starter.submit(() -> model.newWorker(1));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> !NoLeaks.livingChildren().isEmpty());

      model.close();

      assertThatThrownBy(() -> start.get(20, TimeUnit.SECONDS))
          .hasCauseExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("before it finished loading");
    } finally {
      starter.shutdownNow();
      model.close();
    }
  }

  @Test
  void aFailedStartLeavesTheModelUsableForAnotherTry() throws Exception {
    Path folder = PythonTestModels.copy("initfails", workDir.resolve("model"));
    try (PythonModel model = PythonTestModels.load("initfails", folder, workDir.resolve("work"),
        Map.of("option.init_mode", "raise"))) {
      assertThatThrownBy(() -> model.newWorker(1)).isExactlyInstanceOf(ModelLoadException.class);

      Files.writeString(folder.resolve("weights-that-do-not-exist.bin"), "now they do");

      try (var worker = model.newWorker(2)) {
        assertThat(worker.isAlive()).isTrue();
        assertThat(body(worker.predict(List.of(text("x"))).get(0)))
            .isEqualTo("ok");
      }
    }
  }
}
