package io.servingkit.python;

import ai.djl.modality.Input;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * A server JVM for {@link WorkerLifetimeTest}: serves the {@code busy} Python model, sends it one request (whose
 * handler writes its pid to {@code marker} and then works for two minutes) and waits to be killed.
 *
 * <p>Arguments: the model folder, the marker file, the work folder.
 */
public final class KilledServerMain {

  private KilledServerMain() {}

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    ModelServer server =
        ModelServer.builder()
            .workDir(Path.of(args[2]))
            .model(
                ModelSpec.of(
                    "busy",
                    null,
                    model.toUri().toString(),
                    Map.of("option.pythonExecutable", PythonTestModels.PYTHON, "option.env", "BUSY_MARKER=" + args[1])))
            .build();
    Input input = new Input();
    input.add("data", "work");
    server.predict("busy", input);
    Thread.sleep(Long.MAX_VALUE);
  }
}
