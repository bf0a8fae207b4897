package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelSpec;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the standalone server hands to {@link ServingConfig}: config.properties, the environment and its flags,
 * with flags over {@code SERVING_*} over the file. (The table of every key, value and error is
 * {@code ServingConfigTest} in serving-core.)
 */
class CliConfigurationTest {

  @TempDir Path dir;

  @Test
  void defaultsBindLoopback8080OnOneListener() {
    ServingConfig c = ServingKitCli.configuration(null, Map.of(), List.of(), null);
    assertThat(c.get(ServingConfig.INFERENCE_ADDRESS)).isEqualTo(new ServingConfig.Address("127.0.0.1", 8080));
    assertThat(c.managementAddress()).isEqualTo(c.get(ServingConfig.INFERENCE_ADDRESS));
    ApiConfig api = ApiConfig.from(c, ApiConfig.Endpoints.ALL);
    assertThat(api.maxRequestSize()).isEqualTo(64L * 1024 * 1024);
    assertThat(api.corsAllowedOrigin()).isEmpty();
    assertThat(api.chunkReadTimeout()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void environmentOverridesTheFileAndFlagsOverrideBoth() throws IOException {
    Path file =
        write(
            "inference_address=http://0.0.0.0:9000\nmanagement_address=127.0.0.1:9001\nmax_request_size=1000\n"
                + "cors_allowed_origin=*\nchunked_read_timeout=5\nload_models=a=file:/a\n");
    ServingConfig c =
        ServingKitCli.configuration(
            file, Map.of("SERVING_MAX_REQUEST_SIZE", "2000", "SERVING_LOAD_MODELS", "b=file:/b"), List.of(), null);
    assertThat(c.get(ServingConfig.INFERENCE_ADDRESS)).isEqualTo(new ServingConfig.Address("0.0.0.0", 9000));
    assertThat(c.managementAddress()).isEqualTo(new ServingConfig.Address("127.0.0.1", 9001));
    ApiConfig api = ApiConfig.from(c, ApiConfig.Endpoints.INFERENCE);
    assertThat(api.corsAllowedOrigin()).hasValue("*");
    assertThat(api.chunkReadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(api.maxRequestSize()).isEqualTo(2000);
    assertThat(c.startupModels()).extracting(ModelSpec::name).containsExactly("b");

    ServingConfig flags =
        ServingKitCli.configuration(file, Map.of("SERVING_LOAD_MODELS", "b=file:/b"), List.of("c=file:/c"), dir);
    assertThat(flags.get(ServingConfig.MODEL_STORE)).isEqualTo(dir);
    assertThat(flags.source("model_store")).hasValue("-s/--model-store");
    assertThat(flags.startupModels()).extracting(ModelSpec::name).as("-m replaces load_models").containsExactly("c");
    assertThat(flags.modelDefaults()).isEmpty();
  }

  @Test
  void optionAndArgsVariablesBecomeModelDefaults() {
    ServingConfig c =
        ServingKitCli.configuration(
            null,
            Map.of(
                "OPTION_ENTRYPOINT", "handler.py",
                "OPTION_PREDICT_TIMEOUT", "30",
                "OPTION_ENGINE", "Python",
                "ARGS_TOPK", "2",
                "PATH", "/usr/bin"),
            List.of(),
            null);
    assertThat(c.modelDefaults())
        .containsEntry("option.entryPoint", "handler.py")
        .containsEntry("option.predict_timeout", "30")
        .containsEntry("engine", "Python")
        .containsEntry("topk", "2")
        .hasSize(4);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "job_queue_size|ten|not a whole number",
        "max_idle_time|soon|not a duration",
        "inference_address|ftp://127.0.0.1:8443|the scheme must be http or https",
        "request_body_timeout|0|must be positive",
        "model_store|/no/such/folder|no such folder",
      })
  void badSettingsNameKeyValueAndSource(String key, String value, String why) throws IOException {
    Path file = write(key + "=" + value + "\n");
    assertThatThrownBy(() -> ServingKitCli.configuration(file, Map.of(), List.of(), null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage(key + "=" + value + " (from " + file + "): " + messageTail(key, value, why));
    String variable = "SERVING_" + key.toUpperCase(java.util.Locale.ROOT);
    assertThatThrownBy(() -> ServingKitCli.configuration(null, Map.of(variable, value), List.of(), null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith(key + "=" + value + " (from environment variable " + variable + "): ")
        .hasMessageContaining(why);
  }

  @Test
  void anUnknownKeyInConfigPropertiesIsAnError() throws IOException {
    Path file = write("batch_sise=8\n");
    assertThatThrownBy(() -> ServingKitCli.configuration(file, Map.of(), List.of(), null))
        .hasMessageStartingWith("unknown setting batch_sise (from " + file + ")");
  }

  private static String messageTail(String key, String value, String why) {
    return switch (key) {
      case "job_queue_size" -> why;
      case "max_idle_time" -> "not a duration: a whole number of seconds, or a whole number with a unit (ns, us, ms, s, m, h)";
      default -> why;
    };
  }

  private Path write(String text) throws IOException {
    Path file = Files.createTempFile(dir, "config-", ".properties");
    Files.writeString(file, text);
    return file;
  }
}
