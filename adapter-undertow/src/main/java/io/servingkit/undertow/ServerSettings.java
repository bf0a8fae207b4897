package io.servingkit.undertow;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.api.ApiConfig;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server's settings, merged from (lowest first) built-in defaults, {@code config.properties},
 * {@code SERVING_<KEY>} environment variables and the command line; plus model defaults from
 * {@code OPTION_<X>} / {@code ARGS_<X>} environment variables, which fill what a model's serving.properties
 * leaves unset. Every value is checked here, and every error names the key, the value and where it came
 * from.
 */
final class ServerSettings {

  private static final Logger LOG = LoggerFactory.getLogger(ServerSettings.class);

  static final String DEFAULT_ADDRESS = "http://127.0.0.1:8080";

  /** The config.properties keys the standalone server understands. */
  static final Set<String> KEYS =
      Set.of(
          "inference_address",
          "management_address",
          "grpc_address",
          "job_queue_size",
          "batch_size",
          "max_batch_delay",
          "max_idle_time",
          "load_models",
          "model_store",
          "max_request_size",
          "cors_allowed_origin",
          "cors_allowed_methods",
          "cors_allowed_headers",
          "load_on_devices",
          "reserved_memory_mb",
          "chunked_read_timeout");

  /** Engine option names whose DJL spelling is camel case, by their lower-case environment form. */
  private static final Map<String, String> CAMEL_OPTIONS =
      camel(
          "entryPoint", "modelName", "pythonExecutable", "mapLocation", "extraFiles", "interOpNumThreads",
          "intraOpNumThreads", "executionMode", "optLevel", "memoryPatternOptimization", "cpuArenaAllocator",
          "disablePerSessionThreads", "customOpLibrary", "ortDevice", "translatorFactory");

  /** A listener address. */
  record Address(String host, int port) {
    @Override
    public String toString() {
      return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private final Map<String, String> values; // key -> value
  private final Map<String, String> sources; // key -> where the value came from
  private final Map<String, String> modelDefaults;

  private ServerSettings(Map<String, String> values, Map<String, String> sources, Map<String, String> modelDefaults) {
    this.values = values;
    this.sources = sources;
    this.modelDefaults = modelDefaults;
  }

  /**
   * Merges the settings.
   *
   * @param configFile the {@code -f} file, or null
   * @param env the process environment (only the standalone server reads it)
   * @param models the {@code -m} entries (they replace {@code load_models})
   * @param modelStore the {@code -s} folder, or null
   * @throws InvalidSpecException naming the key, value and source of a bad setting
   */
  static ServerSettings load(Path configFile, Map<String, String> env, List<String> models, Path modelStore) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    if (configFile != null) {
      Properties props = new Properties();
      try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
        props.load(reader);
      } catch (NoSuchFileException e) {
        throw new InvalidSpecException("config file " + configFile + " does not exist");
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidSpecException("cannot read config file " + configFile + ": " + e.getMessage(), e);
      }
      for (String key : new TreeMap<>(props).keySet().stream().map(Object::toString).toList()) {
        String value = props.getProperty(key).strip();
        if (KEYS.contains(key)) {
          values.put(key, value);
          sources.put(key, configFile.toString());
        } else {
          LOG.warn(
              "{}: ignoring {}={}: not a setting this server understands (known: {})",
              configFile,
              key,
              value,
              String.join(", ", sorted(KEYS)));
        }
      }
    }
    Map<String, String> modelDefaults = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String name = e.getKey();
      if (name.startsWith("SERVING_") && !name.equals("SERVING_OPTS")) {
        String key = name.substring("SERVING_".length()).toLowerCase(Locale.ROOT);
        if (!KEYS.contains(key)) {
          LOG.warn("ignoring environment variable {}: {} is not a setting this server understands", name, key);
          continue;
        }
        values.put(key, e.getValue().strip());
        sources.put(key, "environment variable " + name);
      } else if (name.startsWith("OPTION_") && name.length() > "OPTION_".length()) {
        String option = name.substring("OPTION_".length()).toLowerCase(Locale.ROOT);
        if (option.equals("engine")) {
          modelDefaults.put("engine", e.getValue());
        } else {
          modelDefaults.put("option." + CAMEL_OPTIONS.getOrDefault(option, option), e.getValue());
        }
      } else if (name.startsWith("ARGS_") && name.length() > "ARGS_".length()) {
        modelDefaults.put(name.substring("ARGS_".length()).toLowerCase(Locale.ROOT), e.getValue());
      }
    }
    if (modelStore != null) {
      values.put("model_store", modelStore.toString());
      sources.put("model_store", "-s/--model-store");
    }
    if (models != null && !models.isEmpty()) {
      values.put("load_models", String.join(",", models));
      sources.put("load_models", "-m/--models");
    }
    ServerSettings settings = new ServerSettings(values, sources, modelDefaults);
    settings.validate();
    return settings;
  }

  private void validate() {
    inferenceAddress();
    managementAddress();
    for (String key : List.of("job_queue_size", "batch_size")) {
      intValue(key, 1);
    }
    for (String key : List.of("max_batch_delay", "max_idle_time", "reserved_memory_mb")) {
      intValue(key, 0);
    }
    intValue("chunked_read_timeout", 1);
    maxRequestSize();
    String models = values.get("load_models");
    if (models != null && !isAllOrNone(models)) {
      try {
        ModelSpec.parseList(models);
      } catch (InvalidSpecException e) {
        throw new InvalidSpecException(where("load_models") + "load_models: " + e.getMessage(), e);
      }
    }
    if (values.containsKey("model_store") && !Files.isDirectory(Path.of(values.get("model_store")))) {
      throw new InvalidSpecException(
          where("model_store") + "model_store=" + values.get("model_store") + ": not a folder");
    }
    for (Map.Entry<String, String> d : modelDefaults.entrySet()) {
      try {
        ModelSpec.of("defaults", null, "file:.", Map.of(d.getKey(), d.getValue()));
      } catch (InvalidSpecException e) {
        throw new InvalidSpecException("environment variable for " + d.getKey() + ": " + e.getMessage(), e);
      }
    }
  }

  /** Where the inference endpoints listen. */
  Address inferenceAddress() {
    return address("inference_address", values.getOrDefault("inference_address", DEFAULT_ADDRESS));
  }

  /** Where the management endpoints listen (the inference address unless set). */
  Address managementAddress() {
    String value = values.get("management_address");
    return value == null ? inferenceAddress() : address("management_address", value);
  }

  /**
   * Where the Open Inference Protocol's gRPC service listens ({@code grpc_address}, e.g. {@code 127.0.0.1:8081});
   * empty when not set: then no gRPC listener is opened.
   */
  Optional<Address> grpcAddress() {
    String value = values.get("grpc_address");
    return value == null ? Optional.empty() : Optional.of(address("grpc_address", value));
  }

  /** The largest request body, in bytes. */
  long maxRequestSize() {
    String value = values.get("max_request_size");
    if (value == null) {
      return ApiConfig.DEFAULT_MAX_REQUEST_SIZE;
    }
    try {
      long v = Long.parseLong(value);
      if (v < 1) {
        throw new InvalidSpecException(where("max_request_size") + "max_request_size=" + value + ": must be at least 1");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(where("max_request_size") + "max_request_size=" + value + ": not a number of bytes");
    }
  }

  /** The API configuration for a listener serving {@code endpoints}. */
  ApiConfig apiConfig(ApiConfig.Endpoints endpoints) {
    ApiConfig.Builder b =
        ApiConfig.builder()
            .endpoints(endpoints)
            .maxRequestSize(maxRequestSize())
            .corsAllowedOrigin(values.get("cors_allowed_origin"))
            .corsAllowedMethods(values.get("cors_allowed_methods"))
            .corsAllowedHeaders(values.get("cors_allowed_headers"));
    int timeout = intValue("chunked_read_timeout", 1);
    if (timeout > 0) {
      b.chunkReadTimeout(Duration.ofSeconds(timeout));
    }
    return b.build();
  }

  /** A model server builder with the settings' defaults, model store and startup models. */
  ModelServer.Builder modelServer() {
    ModelServer.Builder b = ModelServer.builder();
    int v;
    if ((v = intValue("job_queue_size", 1)) > 0) {
      b.jobQueueSize(v);
    }
    if ((v = intValue("batch_size", 1)) > 0) {
      b.batchSize(v);
    }
    if (values.containsKey("max_batch_delay")) {
      b.maxBatchDelay(Duration.ofMillis(intValue("max_batch_delay", 0)));
    }
    if (values.containsKey("max_idle_time")) {
      b.maxIdleTime(Duration.ofSeconds(intValue("max_idle_time", 0)));
    }
    if (values.containsKey("reserved_memory_mb")) {
      b.reservedMemoryMb(intValue("reserved_memory_mb", 0));
    }
    if (values.containsKey("load_on_devices")) {
      try {
        b.loadOnDevices(values.get("load_on_devices"));
      } catch (RuntimeException e) {
        throw new InvalidSpecException(where("load_on_devices") + e.getMessage(), e);
      }
    }
    modelDefaults.forEach(b::defaultProperty);
    String models = values.get("load_models");
    if (values.containsKey("model_store")) {
      b.modelStore(Path.of(values.get("model_store")));
      if (models != null) {
        b.loadModels(models);
      }
    } else if (models != null && !isAllOrNone(models)) {
      for (ModelSpec spec : ModelSpec.parseList(models)) {
        b.model(spec);
      }
    }
    return b;
  }

  /** Model defaults from OPTION_/ARGS_ environment variables. */
  Map<String, String> modelDefaults() {
    return modelDefaults;
  }

  private int intValue(String key, int min) {
    String value = values.get(key);
    if (value == null) {
      return -1;
    }
    int v;
    try {
      v = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(where(key) + key + "=" + value + ": not an integer");
    }
    if (v < min) {
      throw new InvalidSpecException(where(key) + key + "=" + value + ": must be at least " + min);
    }
    return v;
  }

  private Address address(String key, String value) {
    URI uri;
    try {
      uri = new URI(value.contains("://") ? value : "http://" + value);
    } catch (URISyntaxException e) {
      throw new InvalidSpecException(where(key) + key + "=" + value + ": not an address such as " + DEFAULT_ADDRESS);
    }
    if (!"http".equalsIgnoreCase(uri.getScheme())) {
      throw new InvalidSpecException(
          where(key) + key + "=" + value + ": only http is served (put a TLS proxy in front for https)");
    }
    if (uri.getHost() == null || uri.getPort() < 0 || uri.getPort() > 65535) {
      throw new InvalidSpecException(where(key) + key + "=" + value + ": needs a host and a port, such as " + DEFAULT_ADDRESS);
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Address(host, uri.getPort());
  }

  private String where(String key) {
    String source = sources.get(key);
    return source == null ? "" : source + ": ";
  }

  private static boolean isAllOrNone(String models) {
    String m = models.strip();
    return m.equalsIgnoreCase("ALL") || m.equalsIgnoreCase("NONE");
  }

  private static List<String> sorted(Set<String> keys) {
    List<String> list = new ArrayList<>(keys);
    list.sort(null);
    return list;
  }

  private static Map<String, String> camel(String... names) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String n : names) {
      map.put(n.toLowerCase(Locale.ROOT), n);
    }
    return Map.copyOf(map);
  }
}
