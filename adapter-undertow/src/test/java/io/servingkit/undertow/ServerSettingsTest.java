package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.InvalidSpecException;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.BodyBudget;
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

/** How config.properties, environment variables and flags merge, and how bad values are reported. */
class ServerSettingsTest {

  @TempDir Path dir;

  @Test
  void defaultsBindLoopback8080OnOneListener() {
    ServerSettings s = ServerSettings.load(null, Map.of(), List.of(), null);
    assertThat(s.inferenceAddress()).isEqualTo(new ServerSettings.Address("127.0.0.1", 8080, false));
    assertThat(s.managementAddress()).isEqualTo(s.inferenceAddress());
    assertThat(s.maxRequestSize()).isEqualTo(64L * 1024 * 1024);
    ApiConfig api = s.apiConfig(ApiConfig.Endpoints.ALL, new BodyBudget(s.maxRequestBytesInFlight()));
    assertThat(api.corsAllowedOrigin()).isEmpty();
    assertThat(api.chunkReadTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(api.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(api.requestBodyTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.maxRequestBytesInFlight())
        .isEqualTo(Math.max(64L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 4));
  }

  @Test
  void environmentOverridesTheFileAndFlagsOverrideBoth() throws IOException {
    Path file =
        write(
            "inference_address=http://0.0.0.0:9000\nmanagement_address=127.0.0.1:9001\nmax_request_size=1000\n"
                + "cors_allowed_origin=*\nchunked_read_timeout=5\nload_models=a=file:/a\n");
    ServerSettings s =
        ServerSettings.load(
            file, Map.of("SERVING_MAX_REQUEST_SIZE", "2000", "SERVING_LOAD_MODELS", "b=file:/b"), List.of(), null);
    assertThat(s.inferenceAddress()).isEqualTo(new ServerSettings.Address("0.0.0.0", 9000, false));
    assertThat(s.managementAddress()).isEqualTo(new ServerSettings.Address("127.0.0.1", 9001, false));
    assertThat(s.maxRequestSize()).isEqualTo(2000);
    ApiConfig api = s.apiConfig(ApiConfig.Endpoints.INFERENCE, new BodyBudget(1));
    assertThat(api.corsAllowedOrigin()).hasValue("*");
    assertThat(api.chunkReadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(api.maxRequestSize()).isEqualTo(2000);

    ServerSettings flags =
        ServerSettings.load(file, Map.of("SERVING_LOAD_MODELS", "b=file:/b"), List.of("c=file:/c"), dir);
    assertThat(flags.modelDefaults()).isEmpty();
  }

  @Test
  void optionAndArgsVariablesBecomeModelDefaults() {
    ServerSettings s =
        ServerSettings.load(
            null,
            Map.of(
                "OPTION_ENTRYPOINT", "handler.py",
                "OPTION_PREDICT_TIMEOUT", "30",
                "OPTION_ENGINE", "Python",
                "ARGS_TOPK", "2",
                "PATH", "/usr/bin"),
            List.of(),
            null);
    assertThat(s.modelDefaults())
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
        "job_queue_size|0|job_queue_size=0: must be at least 1",
        "job_queue_size|ten|job_queue_size=ten: not an integer",
        "batch_size|-1|batch_size=-1: must be at least 1",
        "max_batch_delay|-5|max_batch_delay=-5: must be at least 0",
        "max_idle_time|99999999999|max_idle_time=99999999999: not an integer",
        "max_request_size|0|max_request_size=0: must be at least 1",
        "max_request_size|big|max_request_size=big: not a number of bytes",
        "inference_address|https://127.0.0.1:8443|an https:// address needs private_key_file and certificate_file",
        "inference_address|ftp://127.0.0.1:8443|the scheme must be http or https",
        "request_header_timeout|0|request_header_timeout=0: must be at least 1",
        "request_body_timeout|soon|request_body_timeout=soon: not an integer",
        "max_request_bytes_in_flight|0|max_request_bytes_in_flight=0: must be at least 1",
        "inference_address|http://127.0.0.1|needs a host and a port",
        "management_address|http://[::1|management_address=http://[::1: not an address",
        "chunked_read_timeout|0|chunked_read_timeout=0: must be at least 1",
        "reserved_memory_mb|-1|reserved_memory_mb=-1: must be at least 0",
        "load_models|a:b:c:d:e=file:/x|load_models: model entry",
        "model_store|/no/such/folder|model_store=/no/such/folder: not a folder",
      })
  void badSettingsNameSourceKeyAndValue(String key, String value, String message) throws IOException {
    Path file = write(key + "=" + value + "\n");
    assertThatThrownBy(() -> ServerSettings.load(file, Map.of(), List.of(), null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith(file + ": ")
        .hasMessageContaining(message);
    String variable = "SERVING_" + key.toUpperCase(java.util.Locale.ROOT);
    assertThatThrownBy(() -> ServerSettings.load(null, Map.of(variable, value), List.of(), null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("environment variable " + variable + ": ")
        .hasMessageContaining(message);
  }

  @Test
  void badModelDefaultFromTheEnvironmentIsNamed() {
    assertThatThrownBy(() -> ServerSettings.load(null, Map.of("ARGS_BATCH_SIZE", "zero"), List.of(), null))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("batch_size=zero: not an integer");
  }

  @Test
  void unreadableConfigFileIsNamed() throws IOException {
    Path missing = dir.resolve("nope.properties");
    assertThatThrownBy(() -> ServerSettings.load(missing, Map.of(), List.of(), null))
        .hasMessage("config file " + missing + " does not exist");
    Path bad = write("key=\\u12");
    assertThatThrownBy(() -> ServerSettings.load(bad, Map.of(), List.of(), null))
        .hasMessageStartingWith("cannot read config file " + bad);
  }

  private Path write(String text) throws IOException {
    Path file = Files.createTempFile(dir, "config-", ".properties");
    Files.writeString(file, text);
    return file;
  }
}
