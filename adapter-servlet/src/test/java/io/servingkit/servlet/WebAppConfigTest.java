package io.servingkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Input;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelDescription;
import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The web application's ServingKit settings: sources, overrides, resolution inside the WAR, and every error. */
class WebAppConfigTest {

  @TempDir Path war;

  private ServingConfig read(String configFile, Map<String, String> params) throws Exception {
    if (configFile != null) {
      Files.createDirectories(war.resolve("WEB-INF"));
      Files.writeString(war.resolve("WEB-INF/config.properties"), configFile);
    }
    return WebAppConfig.read(new FolderWarFiles(war), params);
  }

  private ModelServer.Builder serverBuilder(ServingConfig config) {
    return ModelServer.builder().config(config);
  }

  private void echoModel(String warPath) throws Exception {
    Path dir = Files.createDirectories(war.resolve(warPath.substring(1)));
    Files.writeString(dir.resolve("serving.properties"), "engine=Python\ntest_mode=echo\n");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "job_queue_size=abc        | job_queue_size=abc (from /WEB-INF/config.properties): not a whole number",
        "job_queue_size=0          | job_queue_size=0 (from /WEB-INF/config.properties): must be at least 1",
        "batch_size=99999999999    | batch_size=99999999999 (from /WEB-INF/config.properties): must be at most 2147483647",
        "max_batch_delay=-1        | max_batch_delay=-1 (from /WEB-INF/config.properties): must not be negative",
        "max_idle_time=soon        | max_idle_time=soon (from /WEB-INF/config.properties): not a duration",
        "reserved_memory_mb=-3     | reserved_memory_mb=-3 (from /WEB-INF/config.properties): must be at least 0",
        "max_request_size=0        | max_request_size=0 (from /WEB-INF/config.properties): must be at least 1",
        "chunked_read_timeout=0    | chunked_read_timeout=0 (from /WEB-INF/config.properties): must be positive",
        "async_timeout=-5          | async_timeout=-5 (from /WEB-INF/config.properties): must not be negative",
        "endpoints=SOME            | endpoints=SOME (from /WEB-INF/config.properties): expected ALL, INFERENCE or MANAGEMENT",
        "url_pattern=api           | url_pattern=api (from /WEB-INF/config.properties): expected a servlet URL pattern",
        "model_store=/WEB-INF/none | model_store=/WEB-INF/none (from /WEB-INF/config.properties): /WEB-INF/none does not exist in the web application",
        "model_store=/no/such/dir  | model_store=/no/such/dir (from /WEB-INF/config.properties): no such folder",
        "models=a:b:c:d:e=file:/x  | models=a:b:c:d:e=file:/x (from /WEB-INF/config.properties): model entry a:b:c:d:e=file:/x",
        "load_models=x:1:Nope=/m   | load_models=x:1:Nope=/m (from /WEB-INF/config.properties): engine=Nope: unknown engine",
        "load_on_devices=gpu-x     | load_on_devices=gpu-x (from /WEB-INF/config.properties): unknown device gpu-x",
        "batch_sise=8              | unknown setting batch_sise (from /WEB-INF/config.properties)",
        "models=m=file:/WEB-INF/x  | models=m=file:/WEB-INF/x (from /WEB-INF/config.properties): /WEB-INF/x does not exist in the web application",
      })
  void aMalformedSettingNamesItsKeyValueAndSource(String line, String message) throws Exception {
    assertThatThrownBy(() -> read(line + "\n", Map.of())).isInstanceOf(InvalidSpecException.class).hasMessageContaining(message);
  }

  @Test
  void contextInitParametersOverrideTheFileAndAreNamedInErrors() throws Exception {
    ServingConfig config =
        read(
            "batch_size=4\nasync_timeout=1000\nurl_pattern=/file/*\n",
            Map.of("servingkit.url_pattern", "/api/*", "servingkit.batch_size", "6", "contextConfigLocation", "x"));
    assertThat(WebAppConfig.urlPattern(config)).isEqualTo("/api/*");
    assertThat(config.get(ServingConfig.ASYNC_TIMEOUT)).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.get(ServingConfig.BATCH_SIZE)).isEqualTo(6);
    assertThat(config.source("contextConfigLocation")).isEmpty();
    assertThatThrownBy(() -> read("batch_size=4\n", Map.of("servingkit.batch_size", "oops")))
        .hasMessage("batch_size=oops (from context init-parameter servingkit.batch_size): not a whole number");
  }

  @Test
  void defaultsWithoutAnyConfiguration() throws Exception {
    ServingConfig config = read(null, Map.of());
    assertThat(config.toString()).isEqualTo("ServingConfig{}");
    assertThat(WebAppConfig.urlPattern(config)).isEqualTo("/*");
    assertThat(config.get(ServingConfig.ASYNC_TIMEOUT)).isEqualTo(ServingServlet.DEFAULT_ASYNC_TIMEOUT);
    ApiConfig api = ApiConfig.from(config, ApiConfig.Endpoints.valueOf(config.get(ServingConfig.ENDPOINTS)));
    assertThat(api.maxRequestSize()).isEqualTo(ApiConfig.DEFAULT_MAX_REQUEST_SIZE);
    assertThat(api.endpoints()).isEqualTo(ApiConfig.Endpoints.ALL);
    try (ModelServer server = serverBuilder(config).build()) {
      assertThat(server.list()).isEmpty();
    }
  }

  @Test
  void apiSettingsReachTheApiConfig() throws Exception {
    ServingConfig config =
        read(
            "max_request_size=2048\ncors_allowed_origin=*\ncors_allowed_methods=GET, POST\n"
                + "cors_allowed_headers=X-A\nchunked_read_timeout=7\nendpoints=inference\nurl_pattern=none\n",
            Map.of());
    ApiConfig api = ApiConfig.from(config, ApiConfig.Endpoints.valueOf(config.get(ServingConfig.ENDPOINTS)));
    assertThat(api.maxRequestSize()).isEqualTo(2048);
    assertThat(api.corsAllowedOrigin()).hasValue("*");
    assertThat(api.corsAllowedMethods()).hasValue("GET, POST");
    assertThat(api.corsAllowedHeaders()).hasValue("X-A");
    assertThat(api.chunkReadTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(api.endpoints()).isEqualTo(ApiConfig.Endpoints.INFERENCE);
    assertThat(WebAppConfig.urlPattern(config)).isNull();
  }

  @Test
  void djlListenerKeysAreIgnoredAndModelDefaultsPassThrough() throws Exception {
    ServingConfig config =
        read(
            "inference_address=http://0.0.0.0:9999\nnumber_of_netty_threads=4\noption.predict_timeout=30\n"
                + "max_idle_time=500ms\n",
            Map.of());
    assertThat(config.modelDefaults()).containsEntry("option.predict_timeout", "30").containsEntry("max_idle_time", "500ms");
    try (ModelServer server = serverBuilder(config).build()) {
      assertThat(server.list()).isEmpty();
    }
  }

  @Test
  void theModelStoreInsideTheWarIsLoadedByDefault() throws Exception {
    echoModel("/WEB-INF/models/alpha");
    echoModel("/WEB-INF/models/beta");
    try (ModelServer server = serverBuilder(read(null, Map.of())).build()) {
      assertThat(server.list()).extracting(ModelDescription::modelName).containsExactlyInAnyOrder("alpha", "beta");
    }
  }

  @Test
  void loadModelsPicksEntriesAndModelsAddsOthersFromInsideTheWar() throws Exception {
    echoModel("/WEB-INF/models/alpha");
    echoModel("/WEB-INF/models/beta");
    echoModel("/WEB-INF/extra/gamma");
    ServingConfig config =
        read(
            "load_models=a1=file:/WEB-INF/models/alpha\nmodels=g:2=/WEB-INF/extra/gamma\njob_queue_size=3\n",
            Map.of());
    try (ModelServer server = serverBuilder(config).build()) {
      assertThat(server.list())
          .extracting(d -> d.modelName() + ":" + d.version())
          .containsExactlyInAnyOrder("a1:null", "g:2");
      Input input = new Input();
      input.add("hi");
      assertThat(server.predict("g", input).get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("hi");
      assertThat(server.describe("a1", null).get(0).queueSize()).isEqualTo(3);
    }
  }

  @Test
  void anEmptyModelStoreParameterTurnsTheWarsStoreOff() throws Exception {
    echoModel("/WEB-INF/models/alpha");
    ServingConfig config = read("model_store=/WEB-INF/models\n", Map.of("servingkit.model_store", ""));
    assertThat(config.find(ServingConfig.MODEL_STORE)).isEmpty();
    try (ModelServer server = serverBuilder(config).build()) {
      assertThat(server.list()).isEmpty();
    }
  }

  @Test
  void aModelStoreOnTheFileSystem(@TempDir Path store) throws Exception {
    Path dir = Files.createDirectories(store.resolve("delta"));
    Files.writeString(dir.resolve("serving.properties"), "engine=Python\ntest_mode=echo\n");
    ServingConfig config = read(null, Map.of("servingkit.model_store", store.toString()));
    try (ModelServer server = serverBuilder(config).build()) {
      assertThat(server.list()).extracting(ModelDescription::modelName).containsExactly("delta");
    }
  }

  @Test
  void aNamedConfigFileMustExist(@TempDir Path elsewhere) throws Exception {
    assertThatThrownBy(() -> read(null, Map.of("servingkit.config_file", "/WEB-INF/serving-prod.properties")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("the ServingKit configuration file /WEB-INF/serving-prod.properties does not exist");
    Path file = elsewhere.resolve("servingkit.properties");
    Files.writeString(file, "async_timeout=0\n");
    assertThat(read(null, Map.of("servingkit.config_file", file.toString())).get(ServingConfig.ASYNC_TIMEOUT))
        .isEqualTo(Duration.ZERO);
  }
}
