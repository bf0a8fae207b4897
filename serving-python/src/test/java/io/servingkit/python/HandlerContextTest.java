package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.input;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What a handler sees: the initialisation call, request properties, environment and djl_python decoding. */
@ExtendWith(NoLeaks.class)
class HandlerContextTest {
  @TempDir Path workDir;

  private JsonObject inspect(Map<String, String> overrides, Input request) throws Exception {
    try (PythonModel model = PythonTestModels.load("inspect", PythonTestModels.folder("inspect"), workDir, overrides);
        ModelWorker worker = model.newWorker(4)) {
      String json = single(worker.predict(List.of(request))).getData().getAsString();
      return JsonParser.parseString(json).getAsJsonObject();
    }
  }

  @Test
  void initialisationCallCarriesOptionsArgumentsModelDirAndDevice() throws Exception {
    JsonObject report = inspect(
        Map.of("option.custom_flag", "on", "translatorFactory", "x.Y", "option.env", "MY_SETTING=7"), text("hi"));

    JsonObject init = report.getAsJsonObject("init");
    assertThat(init.get("custom_flag").getAsString()).isEqualTo("on");
    assertThat(init.get("translatorFactory").getAsString()).isEqualTo("x.Y");
    assertThat(init.get("engine").getAsString()).isEqualTo("Python");
    assertThat(init.get("pythonExecutable").getAsString()).isEqualTo(PythonTestModels.PYTHON);
    assertThat(init.has("env")).isFalse();
    assertThat(init.get("model_dir").getAsString()).isEqualTo(PythonTestModels.folder("inspect").toString());
    assertThat(init.get("device_id").getAsString()).isEqualTo("-1");
    assertThat(init.get("function_name").getAsString()).isEqualTo("handle");
  }

  @Test
  void requestSeesItsPropertiesInAnyCaseAndRunsInTheModelFolder() throws Exception {
    Input request = text("hi");
    request.addProperty("X-Custom", "1");

    JsonObject report = inspect(Map.of(), request);

    JsonObject properties = report.getAsJsonObject("properties");
    assertThat(properties.get("X-Custom").getAsString()).isEqualTo("1");
    assertThat(properties.get("model_dir").getAsString()).isEqualTo(PythonTestModels.folder("inspect").toString());
    assertThat(report.get("content_type_any_case").getAsString()).isEqualTo("text/plain");
    assertThat(report.get("content_keys").getAsJsonArray().get(0).getAsString()).isEqualTo("data");
    assertThat(report.get("is_batch").getAsBoolean()).isFalse();
    assertThat(report.get("data").getAsString()).isEqualTo("hi");
    assertThat(report.get("cwd").getAsString()).isEqualTo(PythonTestModels.folder("inspect").toString());
  }

  @Test
  void processEnvironmentHasOneBlasThreadOurPackageAndOptionEnv() throws Exception {
    JsonObject report = inspect(Map.of("option.env", "MY_SETTING=7, OMP_NUM_THREADS=2"), text("hi"));

    JsonObject env = report.getAsJsonObject("env");
    assertThat(env.get("OPENBLAS_NUM_THREADS").getAsString()).isEqualTo("1");
    assertThat(env.get("OMP_NUM_THREADS").getAsString()).isEqualTo("2");
    assertThat(env.get("MY_SETTING").getAsString()).isEqualTo("7");
    String path = report.get("sys_path").toString();
    assertThat(path).contains(workDir.toString() + "/python-lib-");
    assertThat(report.get("executable").getAsString()).isEqualTo(PythonTestModels.PYTHON);
  }

  @Test
  void numpyAndPilAreNotImportedUntilUsed() throws Exception {
    JsonObject report = inspect(Map.of(), text("hi"));

    assertThat(report.get("numpy_loaded").getAsBoolean()).isFalse();
    assertThat(report.get("pil_loaded").getAsBoolean()).isFalse();
  }

  @Test
  void getDataDecodesJsonAndCsvByContentType() throws Exception {
    JsonObject json = inspect(Map.of(),
        input("{\"a\": [1, 2]}".getBytes(StandardCharsets.UTF_8), "application/json; charset=utf-8"));
    assertThat(json.getAsJsonObject("data").get("a").toString()).isEqualTo("[1,2]");

    JsonObject csv = inspect(Map.of(), input("name,score\nann,3\nbob,5\n".getBytes(StandardCharsets.UTF_8), "text/csv"));
    assertThat(csv.get("data").toString())
        .isEqualTo("[{\"name\":\"ann\",\"score\":\"3\"},{\"name\":\"bob\",\"score\":\"5\"}]");

    JsonObject bytes = inspect(Map.of(), input(new byte[] {1, 2, 3}, "application/octet-stream"));
    assertThat(bytes.getAsJsonObject("data").get("bytes").getAsInt()).isEqualTo(3);
  }
}
