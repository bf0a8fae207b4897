package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.ModelLoadException;
import io.servingkit.spi.ModelWorker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * requirements.txt installed with pip from a wheel the test builds (no network: pip runs with --no-index since
 * the tests set ai.djl.offline=true), into a private prefix or a per-model venv.
 */
@ExtendWith(NoLeaks.class)
class RequirementsTest {
  @TempDir Path temp;

  /** Writes a minimal pure-Python wheel skdemo 1.0 whose module holds VALUE = 42. */
  static Path writeWheel(Path folder) throws IOException {
    Files.createDirectories(folder);
    Path wheel = folder.resolve("skdemo-1.0-py3-none-any.whl");
    Map<String, String> files = Map.of(
        "skdemo/__init__.py", "VALUE = 42\n",
        "skdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: skdemo\nVersion: 1.0\n",
        "skdemo-1.0.dist-info/WHEEL",
        "Wheel-Version: 1.0\nGenerator: servingkit-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "skdemo-1.0.dist-info/RECORD",
        "skdemo/__init__.py,,\nskdemo-1.0.dist-info/METADATA,,\nskdemo-1.0.dist-info/WHEEL,,\n"
            + "skdemo-1.0.dist-info/RECORD,,\n");
    try (OutputStream out = Files.newOutputStream(wheel); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, String> file : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(file.getKey()));
        zip.write(file.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return wheel;
  }

  private static JsonObject ask(PythonModel model) throws Exception {
    try (ModelWorker worker = model.newWorker(1)) {
      return JsonParser.parseString(single(worker.predict(List.of(text("?")))).getData().getAsString())
          .getAsJsonObject();
    }
  }

  @Test
  void requirementsAreInstalledOncePerModelIntoAPrivatePrefix() throws Exception {
    Path folder = PythonTestModels.copy("requirements", temp.resolve("model"));
    Path wheel = writeWheel(folder.resolve("requirements"));
    Path workDir = temp.resolve("work");

    try (PythonModel model = PythonTestModels.load("requirements", folder, workDir, Map.of())) {
      JsonObject answer = ask(model);
      assertThat(answer.get("value").getAsInt()).isEqualTo(42);
      assertThat(answer.get("file").getAsString()).startsWith(workDir.resolve("python-env").toString());
      assertThat(answer.get("executable").getAsString()).isEqualTo(PythonTestModels.PYTHON);
      assertThat(answer.get("numpy").getAsString()).isNotEmpty();
    }

    Files.delete(wheel);
    try (PythonModel again = PythonTestModels.load("requirements", folder, workDir, Map.of())) {
      assertThat(ask(again).get("value").getAsInt()).isEqualTo(42);
    }
  }

  @Test
  void aFailedInstallIsLoggedAndTheModelLoadsAnywayAsInDjlServing() throws Exception {
    // skdemo==1.0 cannot be installed (no wheel, no index), but this handler does not need it to start
    Path folder = PythonTestModels.copy("requirements", temp.resolve("model"));
    try (PythonModel model = PythonTestModels.load("requirements", folder, temp.resolve("work"), Map.of());
        ModelWorker worker = model.newWorker(1)) {
      assertThat(model.requirementsFailure())
          .contains("model requirements: pip install -r requirements.txt failed with exit code 1")
          .contains("No matching distribution found for skdemo==1.0");
    }
  }

  @Test
  void aHandlerThatCannotImportWhatPipFailedToInstallQuotesPip() throws Exception {
    Path folder = PythonTestModels.copy("requirements", temp.resolve("model"));
    Files.writeString(folder.resolve("model.py"), "import skdemo\n\ndef handle(inputs):\n    return None\n");
    try (PythonModel model = PythonTestModels.load("requirements", folder, temp.resolve("work"), Map.of())) {
      assertThatThrownBy(() -> model.newWorker(1))
          .isExactlyInstanceOf(ModelLoadException.class)
          .hasMessageContaining("ModuleNotFoundError: No module named 'skdemo'")
          .hasMessageContaining("requirements.txt did not install: model requirements: pip install -r requirements.txt "
              + "failed with exit code 1")
          .hasMessageContaining("No matching distribution found for skdemo==1.0");
    }
  }

  @Test
  void enableVenvInstallsIntoAPerModelVirtualEnvironmentThatSeesSystemPackages() throws Exception {
    Path folder = PythonTestModels.copy("requirements", temp.resolve("model"));
    writeWheel(folder.resolve("local_wheels"));
    Path workDir = temp.resolve("work");

    try (PythonModel model =
        PythonTestModels.load("requirements", folder, workDir, Map.of("option.enable_venv", "true"))) {
      JsonObject answer = ask(model);
      Path venvRoot = workDir.resolve("python-env");
      assertThat(answer.get("value").getAsInt()).isEqualTo(42);
      assertThat(answer.get("prefix").getAsString()).startsWith(venvRoot.toString()).endsWith("-venv");
      assertThat(answer.get("executable").getAsString()).startsWith(venvRoot.toString());
      assertThat(answer.get("file").getAsString()).startsWith(answer.get("prefix").getAsString());
      assertThat(answer.get("numpy").getAsString()).isNotEmpty();
    }
  }
}
