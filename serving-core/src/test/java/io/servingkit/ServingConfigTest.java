package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every source of a {@link ServingConfig}, the one precedence, bad values, unknown keys and duration precision. */
class ServingConfigTest {

  @TempDir Path dir;

  /** One source of a value, as the hosts hand them over. */
  enum Source {
    PROPERTIES {
      @Override
      void give(ServingConfig.Builder b, String key, String value) {
        b.properties(Map.of(key, value), "/etc/servingkit/config.properties");
      }

      @Override
      String named(String key) {
        return "/etc/servingkit/config.properties";
      }
    },
    ENVIRONMENT {
      @Override
      void give(ServingConfig.Builder b, String key, String value) {
        b.environment(Map.of("SERVING_" + key.toUpperCase(Locale.ROOT), value));
      }

      @Override
      String named(String key) {
        return "environment variable SERVING_" + key.toUpperCase(Locale.ROOT);
      }
    },
    INIT_PARAMETER {
      @Override
      void give(ServingConfig.Builder b, String key, String value) {
        b.initParameters(Map.of("servingkit." + key, value));
      }

      @Override
      String named(String key) {
        return "context init-parameter servingkit." + key;
      }
    },
    EXPLICIT {
      @Override
      void give(ServingConfig.Builder b, String key, String value) {
        b.set(key, value, "--flag");
      }

      @Override
      String named(String key) {
        return "--flag";
      }
    };

    abstract void give(ServingConfig.Builder b, String key, String value);

    abstract String named(String key);
  }

  /** key, value as text, the typed value expected. */
  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of(ServingConfig.JOB_QUEUE_SIZE, "7", 7),
        Arguments.of(ServingConfig.BATCH_SIZE, "8", 8),
        Arguments.of(ServingConfig.MAX_BATCH_DELAY, "7", Duration.ofMillis(7)),
        Arguments.of(ServingConfig.MAX_BATCH_DELAY, "250us", Duration.ofNanos(250_000)),
        Arguments.of(ServingConfig.MAX_IDLE_TIME, "11", Duration.ofSeconds(11)),
        Arguments.of(ServingConfig.MAX_IDLE_TIME, "500ms", Duration.ofMillis(500)),
        Arguments.of(ServingConfig.LOAD_ON_DEVICES, "gpu0;gpu1", "gpu0;gpu1"),
        Arguments.of(ServingConfig.RESERVED_MEMORY_MB, "0", 0),
        Arguments.of(ServingConfig.MAX_REQUEST_SIZE, "2048", 2048L),
        Arguments.of(ServingConfig.CORS_ALLOWED_ORIGIN, "*", "*"),
        Arguments.of(ServingConfig.CHUNKED_READ_TIMEOUT, "5", Duration.ofSeconds(5)),
        Arguments.of(ServingConfig.INFERENCE_ADDRESS, "0.0.0.0:9000", new ServingConfig.Address("0.0.0.0", 9000)),
        Arguments.of(ServingConfig.MANAGEMENT_ADDRESS, "http://[::1]:9001", new ServingConfig.Address("::1", 9001)),
        Arguments.of(ServingConfig.OMP_NUM_THREADS, "4", 4),
        Arguments.of(ServingConfig.DOWNLOAD_TIMEOUT, "90", Duration.ofSeconds(90)),
        Arguments.of(ServingConfig.MAX_DOWNLOAD_BYTES, "1000", 1000L),
        Arguments.of(ServingConfig.ENDPOINTS, "inference", "INFERENCE"),
        Arguments.of(ServingConfig.ASYNC_TIMEOUT, "1000", Duration.ofSeconds(1)),
        Arguments.of(ServingConfig.URL_PATTERN, "NONE", "none"),
        Arguments.of(ServingConfig.LOAD_MODELS, "a=file:/a b=file:/b", "a=file:/a b=file:/b"));
  }

  static Stream<Arguments> everySourceAndWellFormedValue() {
    List<Arguments> all = new ArrayList<>();
    for (Source source : Source.values()) {
      wellFormed().forEach(a -> all.add(Arguments.of(source, a.get()[0], a.get()[1], a.get()[2])));
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {1}={2}")
  @MethodSource("everySourceAndWellFormedValue")
  void everySourceGivesEveryKeyItsTypedValue(
      Source source, ServingConfig.Setting<?> setting, String text, Object expected) {
    ServingConfig.Builder b = ServingConfig.builder();
    source.give(b, setting.key(), text);
    ServingConfig config = b.build();
    assertThat((Object) config.get(setting)).isEqualTo(expected);
    assertThat(config.source(setting.key())).hasValue(source.named(setting.key()));
  }

  @Test
  void defaultsWithoutAnySource() {
    ServingConfig config = ServingConfig.defaults();
    assertThat(config.get(ServingConfig.JOB_QUEUE_SIZE)).isEqualTo(1000);
    assertThat(config.get(ServingConfig.MAX_BATCH_DELAY)).isEqualTo(Duration.ofMillis(100));
    assertThat(config.get(ServingConfig.MAX_IDLE_TIME)).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.get(ServingConfig.INFERENCE_ADDRESS)).isEqualTo(new ServingConfig.Address("127.0.0.1", 8080));
    assertThat(config.managementAddress()).isEqualTo(config.get(ServingConfig.INFERENCE_ADDRESS));
    assertThat(config.get(ServingConfig.MAX_REQUEST_SIZE)).isEqualTo(64L << 20);
    assertThat(config.get(ServingConfig.CHUNKED_READ_TIMEOUT)).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.get(ServingConfig.ASYNC_TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.find(ServingConfig.MODEL_STORE)).isEmpty();
    assertThat(config.find(ServingConfig.WORK_DIR)).isEmpty();
    assertThat(config.modelDefaults()).isEmpty();
    assertThat(config.startupModels()).isEmpty();
  }

  /** Lower source, higher source: the higher one wins whatever the order of the calls. */
  static Stream<Arguments> pairs() {
    List<Arguments> all = new ArrayList<>();
    Source[] s = Source.values();
    for (int lo = 0; lo < s.length; lo++) {
      for (int hi = lo + 1; hi < s.length; hi++) {
        all.add(Arguments.of(s[lo], s[hi]));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{1} over {0}")
  @MethodSource("pairs")
  void theHigherSourceWinsWhateverTheOrderOfCalls(Source lower, Source higher) {
    ServingConfig.Builder first = ServingConfig.builder();
    lower.give(first, "batch_size", "2");
    higher.give(first, "batch_size", "3");
    ServingConfig.Builder reversed = ServingConfig.builder();
    higher.give(reversed, "batch_size", "3");
    lower.give(reversed, "batch_size", "2");
    for (ServingConfig.Builder b : List.of(first, reversed)) {
      b.hostDefault("batch_size", "1", "the host");
      ServingConfig config = b.build();
      assertThat(config.get(ServingConfig.BATCH_SIZE)).isEqualTo(3);
      assertThat(config.modelDefaults()).containsEntry("batch_size", "3");
      assertThat(config.source("batch_size")).hasValue(higher.named("batch_size"));
    }
  }

  @Test
  void anEmptyValueUnsetsTheKeyForLowerSourcesAndDefaults() {
    ServingConfig config =
        ServingConfig.builder()
            .properties(Map.of("cors_allowed_origin", "*", "batch_size", "4"), "file")
            .environment(Map.of("SERVING_CORS_ALLOWED_ORIGIN", "", "SERVING_BATCH_SIZE", " "))
            .build();
    assertThat(config.find(ServingConfig.CORS_ALLOWED_ORIGIN)).isEmpty();
    assertThat(config.get(ServingConfig.BATCH_SIZE)).isEqualTo(1);
    assertThat(config.modelDefaults()).doesNotContainKey("batch_size");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "job_queue_size|0|must be at least 1",
        "job_queue_size|ten|not a whole number",
        "batch_size|-1|must be at least 1",
        "batch_size|99999999999|must be at most 2147483647",
        "max_batch_delay|-5|must not be negative",
        "max_batch_delay|1.5|not a duration: a whole number of milliseconds, or a whole number with a unit",
        "max_idle_time|soon|not a duration: a whole number of seconds",
        "max_idle_time|5 fortnights|not a duration",
        "max_request_size|0|must be at least 1",
        "max_request_size|big|not a whole number",
        "inference_address|ftp://127.0.0.1:8443|the scheme must be http or https",
        "max_request_bytes_in_flight|0|must be at least 1",
        "request_header_timeout|0|must be positive",
        "request_body_timeout|soon|not a duration",
        "keystore|/no/such.p12|no such file",
        "inference_address|http://127.0.0.1|needs a host and a port",
        "management_address|http://[::1|not an address",
        "grpc_address|https://127.0.0.1:8081|the gRPC service is plaintext only",
        "grpc_address|127.0.0.1|needs a host and a port",
        "chunked_read_timeout|0|must be positive",
        "reserved_memory_mb|-1|must be at least 0",
        "load_on_devices|gpu-x|unknown device gpu-x",
        "load_models|a:b:c:d:e=file:/x|expected [name][:version][:engine][:devices]=url",
        "load_models|x:1:Nope=/m|engine=Nope: unknown engine",
        "models|a:b:c:d:e=file:/x|model entry a:b:c:d:e=file:/x",
        "model_store|/no/such/folder|no such folder",
        "omp_num_threads|0|must be at least 1",
        "gpu_count|-1|must be at least 0",
        "endpoints|SOME|expected ALL, INFERENCE or MANAGEMENT",
        "url_pattern|api|expected a servlet URL pattern",
        "async_timeout|-5|must not be negative",
      })
  void aMalformedValueNamesKeyValueAndSourceFromEverySource(String key, String value, String why) {
    for (Source source : Source.values()) {
      ServingConfig.Builder b = ServingConfig.builder();
      source.give(b, key, value);
      assertThatThrownBy(b::build)
          .as(source.name())
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageStartingWith(key + "=" + value.strip() + " (from " + source.named(key) + "): ")
          .hasMessageContaining(why);
    }
  }

  /** grpc_address is host:port (an http:// prefix accepted), plaintext; unset means no gRPC service. */
  @Test
  void grpcAddressIsAPlaintextHostAndPortAndUnsetByDefault() {
    assertThat(ServingConfig.builder().build().find(ServingConfig.GRPC_ADDRESS)).isEmpty();
    for (String given : List.of("127.0.0.1:8081", "http://127.0.0.1:8081")) {
      ServingConfig c = ServingConfig.builder().properties(Map.of("grpc_address", given), "config.properties").build();
      assertThat(c.get(ServingConfig.GRPC_ADDRESS)).isEqualTo(new ServingConfig.Address("127.0.0.1", 8081));
    }
    ServingConfig v6 = ServingConfig.builder().environment(Map.of("SERVING_GRPC_ADDRESS", "[::1]:9000")).build();
    assertThat(v6.get(ServingConfig.GRPC_ADDRESS)).isEqualTo(new ServingConfig.Address("::1", 9000));
  }

  @Test
  void typedBuilderValuesAreCheckedAtOnceNamingTheKey() {
    ServingConfig.Builder b = ServingConfig.builder();
    assertThatThrownBy(() -> b.set(ServingConfig.JOB_QUEUE_SIZE, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("job_queue_size=0: must be at least 1");
    assertThatThrownBy(() -> b.set(ServingConfig.MAX_IDLE_TIME, Duration.ofMillis(-1)))
        .hasMessage("max_idle_time=PT-0.001S: must not be negative");
    assertThatThrownBy(() -> b.set(ServingConfig.LOAD_ON_DEVICES, "tpu7")).hasMessageContaining("unknown device tpu7");
    assertThatThrownBy(() -> b.set(ServingConfig.MODEL_STORE, dir.resolve("nope"))).hasMessageContaining("no such folder");
  }

  @Test
  void unknownKeysAreErrorsNamingKeyAndSource() {
    assertThatThrownBy(() -> ServingConfig.builder().properties(Map.of("batch_sise", "8"), "/x/config.properties").build())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("unknown setting batch_sise (from /x/config.properties): not a ServingKit setting");
    assertThatThrownBy(() -> ServingConfig.builder().initParameters(Map.of("servingkit.jobqueuesize", "8")).build())
        .hasMessageStartingWith("unknown setting jobqueuesize (from context init-parameter servingkit.jobqueuesize)");
    assertThatThrownBy(() -> ServingConfig.builder().set("width", "8", "builder").build())
        .hasMessageStartingWith("unknown setting width (from builder)");
  }

  @Test
  void djlKeysServingKitDoesNotUseAreAcceptedAndIgnored() {
    ServingConfig config =
        ServingConfig.builder()
            .properties(
                Map.of("number_of_netty_threads", "4", "wait_model_loading", "false", "io_ratio", "50"), "file")
            .build();
    assertThat(config.modelDefaults()).isEmpty();
    assertThat(config.source("number_of_netty_threads")).hasValue("file");
  }

  @Test
  void unknownServingVariablesAreIgnoredBecauseTheEnvironmentIsShared() {
    // Kubernetes adds SERVING_PORT and friends for a Service named "serving"
    ServingConfig config =
        ServingConfig.builder()
            .environment(Map.of("SERVING_PORT", "tcp://10.0.0.1:80", "SERVING_SERVICE_HOST", "10.0.0.1",
                "SERVING_OPTS", "-Xmx1g", "PATH", "/usr/bin", "SERVING_BATCH_SIZE", "2"))
            .build();
    assertThat(config.get(ServingConfig.BATCH_SIZE)).isEqualTo(2);
    assertThat(config.source("port")).isEmpty();
  }

  @Test
  void modelDefaultsComeFromOptionArgsVariablesPropertiesAndTheBuilder() {
    ServingConfig config =
        ServingConfig.builder()
            .environment(
                Map.of(
                    "OPTION_ENTRYPOINT", "handler.py",
                    "OPTION_PREDICT_TIMEOUT", "30",
                    "OPTION_ENGINE", "python",
                    "ARGS_TOPK", "2",
                    "ARGS_MINWORKERS", "x", // lower-cased: an argument named minworkers, not minWorkers
                    "OMP_NUM_THREADS", "2"))
            .properties(Map.of("option.predict_timeout", "10", "minWorkers", "2", "max_idle_time", "500ms"), "file")
            .modelDefault("width", "224", "builder")
            .build();
    assertThat(config.modelDefaults())
        .containsEntry("option.entryPoint", "handler.py")
        .containsEntry("option.predict_timeout", "30") // the environment over the file
        .containsEntry("engine", "python")
        .containsEntry("topk", "2")
        .containsEntry("minworkers", "x")
        .containsEntry("minWorkers", "2")
        .containsEntry("max_idle_time", "500ms")
        .containsEntry("width", "224")
        .hasSize(8);
    assertThat(config.get(ServingConfig.OMP_NUM_THREADS)).isEqualTo(2);
  }

  @Test
  void badModelDefaultsNameTheirSource() {
    assertThatThrownBy(() -> ServingConfig.builder().environment(Map.of("ARGS_RETRY_THRESHOLD", "zero")).build())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("model default retry_threshold=zero (from environment variable ARGS_RETRY_THRESHOLD): not an integer");
    assertThatThrownBy(() -> ServingConfig.builder().environment(Map.of("ARGS_BATCH_SIZE", "zero")).build())
        .hasMessage("batch_size=zero (from environment variable ARGS_BATCH_SIZE): not a whole number");
    assertThatThrownBy(() -> ServingConfig.builder().environment(Map.of("ARGS_MODEL_STORE", "/m")).build())
        .hasMessageContaining("model_store is a server setting, not a model property");
    assertThatThrownBy(
            () -> ServingConfig.builder().properties(Map.of("minWorkers", "3", "maxWorkers", "1"), "file").build())
        .hasMessageContaining("cpu minWorkers=3 is greater than maxWorkers=1");
    assertThatThrownBy(() -> ServingConfig.builder().modelDefault("model_store", "/m", "builder"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durationsKeepSubSecondPrecisionThroughModelDefaults() {
    ServingConfig config =
        ServingConfig.builder()
            .set(ServingConfig.MAX_IDLE_TIME, Duration.ofMillis(500))
            .set(ServingConfig.MAX_BATCH_DELAY, Duration.ofNanos(1_500))
            .build();
    assertThat(config.get(ServingConfig.MAX_IDLE_TIME)).isEqualTo(Duration.ofMillis(500));
    assertThat(config.modelDefaults()).containsEntry("max_idle_time", "500ms").containsEntry("max_batch_delay", "1500ns");
    ModelSpec model = ModelSpec.parse("m=file:/m").withDefaults(config.modelDefaults());
    assertThat(model.maxIdleTime()).isEqualTo(Duration.ofMillis(500));
    assertThat(model.maxBatchDelay()).isEqualTo(Duration.ofNanos(1_500));
  }

  @Test
  void loadModelsIsInterpretedInOnePlace() throws IOException {
    Path store = Files.createDirectories(dir.resolve("store"));
    Files.createDirectories(store.resolve("alpha"));
    Files.createDirectories(store.resolve("beta"));
    Map<String, String> withStore = Map.of("model_store", store.toString());
    assertThat(names(ServingConfig.builder().properties(withStore, "f").build()))
        .as("ALL by default: the store's models").containsExactly("alpha", "beta");
    assertThat(names(ServingConfig.builder().properties(withStore, "f").set("load_models", "NONE", "-m").build()))
        .isEmpty();
    assertThat(names(ServingConfig.builder().properties(withStore, "f").set("load_models", "g=file:/g", "-m").build()))
        .as("entries replace the store's models").containsExactly("g");
    assertThat(names(ServingConfig.builder().set("load_models", "all", "x").build()))
        .as("ALL without a store").isEmpty();
    assertThat(
            names(
                ServingConfig.builder()
                    .properties(withStore, "f")
                    .set("models", "extra=file:/e", "x")
                    .build()))
        .as("models come first, then load_models").containsExactly("extra", "alpha", "beta");
  }

  @Test
  void aModelStoreThatIsOneModelFolderLoadsThatModel() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("mnt/models"));
    Files.writeString(folder.resolve("serving.properties"), "engine=OnnxRuntime\n");
    ServingConfig config = ServingConfig.builder().environment(Map.of("SERVING_MODEL_STORE", folder.toString())).build();
    assertThat(names(config)).containsExactly("models");
    assertThat(config.startupModels().get(0).url()).isEqualTo(folder.toUri().toString());
  }

  @Test
  void locationsMapPathsAndModelUrlsOfTheHost() throws IOException {
    Path store = Files.createDirectories(dir.resolve("inside/models"));
    Files.createDirectories(store.resolve("alpha"));
    ServingConfig config =
        ServingConfig.builder()
            .locations(
                text -> {
                  String t = text.startsWith("file:/WEB-INF/") ? text.substring(5) : text;
                  if (!t.startsWith("/WEB-INF/")) {
                    return text;
                  }
                  Path p = dir.resolve("inside").resolve(t.substring("/WEB-INF/".length()));
                  if (!Files.exists(p)) {
                    throw new IllegalArgumentException("no such folder in the web application");
                  }
                  return p.toUri().toString();
                })
            .hostDefault("model_store", "/WEB-INF/models", "the web application")
            .properties(Map.of("models", "a1=file:/WEB-INF/models/alpha"), "file")
            .build();
    assertThat(config.get(ServingConfig.MODEL_STORE)).isEqualTo(store);
    assertThat(config.startupModels().get(0).url()).isEqualTo(store.resolve("alpha").toUri().toString());
    assertThatThrownBy(
            () -> ServingConfig.builder()
                .locations(t -> {
                  throw new IllegalArgumentException("no such folder in the web application");
                })
                .properties(Map.of("model_store", "/WEB-INF/none"), "file")
                .build())
        .hasMessage("model_store=/WEB-INF/none (from file): no such folder in the web application");
  }

  @Test
  void aConfigurationMergedIntoAnotherKeepsItsPrecedence() {
    ServingConfig fromFile = ServingConfig.builder().properties(Map.of("batch_size", "4", "job_queue_size", "9"), "f").build();
    ServingConfig merged =
        ServingConfig.builder()
            .environment(Map.of("SERVING_BATCH_SIZE", "5"))
            .merge(fromFile)
            .build();
    assertThat(merged.get(ServingConfig.BATCH_SIZE)).isEqualTo(5);
    assertThat(merged.get(ServingConfig.JOB_QUEUE_SIZE)).isEqualTo(9);
  }

  @Test
  void configFileErrorsNameTheFile() throws IOException {
    Path missing = dir.resolve("nope.properties");
    assertThatThrownBy(() -> ServingConfig.builder().configFile(missing))
        .hasMessage("config file " + missing + " does not exist");
    Path bad = Files.writeString(dir.resolve("bad.properties"), "key=\\u12");
    assertThatThrownBy(() -> ServingConfig.builder().configFile(bad)).hasMessageStartingWith("cannot read config file " + bad);
    Path good = Files.writeString(dir.resolve("good.properties"), "batch_size = 3 \n");
    ServingConfig config = ServingConfig.builder().configFile(good).build();
    assertThat(config.get(ServingConfig.BATCH_SIZE)).isEqualTo(3);
    assertThat(config.source("batch_size")).hasValue(good.toString());
  }

  @Test
  void everyDeclaredSettingIsListedOnce() throws IllegalAccessException {
    List<Object> declared = new ArrayList<>();
    for (Field f : ServingConfig.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == ServingConfig.Setting.class) {
        declared.add(f.get(null));
      }
    }
    assertThat(ServingConfig.settings()).containsExactlyInAnyOrderElementsOf(declared.stream().map(o -> (ServingConfig.Setting<?>) o).toList());
    for (ServingConfig.Setting<?> s : ServingConfig.settings()) {
      assertThat(s.doc()).as(s.key()).isNotBlank();
      assertThat(s.type()).as(s.key()).isNotBlank();
      assertThat(ServingConfig.setting(s.key())).hasValue(s);
    }
  }

  /** The README's configuration table is this table: a setting added here fails the build until documented. */
  @Test
  void theReadmeDocumentsEverySettingAsDeclared() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    List<String> missing = new ArrayList<>();
    for (ServingConfig.Setting<?> s : ServingConfig.settings()) {
      String row = readmeRow(s);
      if (!readme.contains(row)) {
        missing.add(row);
      }
    }
    assertThat(missing).as("rows missing from README.md's configuration table").isEmpty();
  }

  static String readmeRow(ServingConfig.Setting<?> s) {
    String scope =
        switch (s.scope()) {
          case MODEL_DEFAULT -> "model default";
          case SERVER -> "server";
          case STANDALONE -> "standalone";
          case SERVLET -> "servlet";
        };
    return "| `" + s.key() + "` | " + s.type() + " | " + s.defaultText() + " | " + scope + " | " + s.doc() + " |";
  }

  private static List<String> names(ServingConfig config) {
    return config.startupModels().stream().map(ModelSpec::name).toList();
  }
}
