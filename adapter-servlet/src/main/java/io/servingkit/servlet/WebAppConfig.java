package io.servingkit.servlet;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.BodyBudget;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A web application's ServingKit settings: DJL Serving's {@code config.properties} keys read from a file in
 * the WAR ({@code /WEB-INF/config.properties}, or the file named by the context init-parameter
 * {@value #CONFIG_FILE_PARAM}), overridden by context init-parameters named {@code servingkit.<key>}.
 *
 * <p>Server keys: {@code model_store}, {@code load_models}, {@code models} (entries as on the command line's
 * {@code -m}), {@code job_queue_size}, {@code batch_size}, {@code max_batch_delay} (ms), {@code max_idle_time}
 * (s), {@code load_on_devices}, {@code reserved_memory_mb}. API keys: {@code max_request_size},
 * {@code cors_allowed_origin}, {@code cors_allowed_methods}, {@code cors_allowed_headers},
 * {@code chunked_read_timeout} (s), {@code request_body_timeout} (s), {@code max_request_bytes_in_flight}
 * (bytes), {@code endpoints} ({@code ALL}, {@code INFERENCE}, {@code MANAGEMENT}).
 * Servlet keys: {@code async_timeout} (ms, 0 for none), {@code url_pattern} (where the listener maps the
 * servlet; {@code none} to map it yourself). Like the standalone server, any other key is reported in the log
 * and ignored — among them DJL's listener keys ({@code inference_address}, ...), since the container owns the
 * connectors.
 *
 * <p>A path or model URL that starts with {@code /WEB-INF/} names a folder inside the web application;
 * anything else is a file-system path or URL.
 *
 * <p>Threading: immutable once read.
 */
final class WebAppConfig {

  private static final Logger LOG = LoggerFactory.getLogger(WebAppConfig.class);

  /** Context init-parameters with this prefix override the file's keys. */
  static final String PARAM_PREFIX = "servingkit.";

  /** Context init-parameter naming the properties file: {@code /WEB-INF/...} or a file-system path. */
  static final String CONFIG_FILE_PARAM = "servingkit.config_file";

  static final String DEFAULT_CONFIG_FILE = "/WEB-INF/config.properties";
  static final String DEFAULT_MODEL_STORE = "/WEB-INF/models";
  static final String WEB_INF = "/WEB-INF/";

  private static final Set<String> DJL_SERVER_ONLY =
      Set.of(
          "inference_address",
          "management_address",
          "number_of_netty_threads",
          "netty_client_threads",
          "keystore",
          "keystore_pass",
          "keystore_type",
          "certificate_file",
          "private_key_file",
          "request_header_timeout",
          "use_native_io",
          "io_ratio",
          "plugin_folder",
          "wait_model_loading",
          "load_workflows");

  private static final Set<String> KNOWN =
      Set.of(
          "model_store",
          "load_models",
          "models",
          "job_queue_size",
          "batch_size",
          "max_batch_delay",
          "max_idle_time",
          "load_on_devices",
          "reserved_memory_mb",
          "max_request_size",
          "cors_allowed_origin",
          "cors_allowed_methods",
          "cors_allowed_headers",
          "chunked_read_timeout",
          "request_body_timeout",
          "max_request_bytes_in_flight",
          "endpoints",
          "async_timeout",
          "url_pattern");

  /** Where a value came from, for error messages. */
  private final Map<String, String> sources;
  private final Map<String, String> values;

  private WebAppConfig(Map<String, String> values, Map<String, String> sources) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    this.sources = sources;
  }

  /**
   * Reads the settings of a web application.
   *
   * @param files reads web-application resources
   * @param initParameters the servlet context's init-parameters
   * @throws InvalidSpecException when the properties file cannot be read
   */
  static WebAppConfig read(WarFiles files, Map<String, String> initParameters) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    String named = initParameters.get(CONFIG_FILE_PARAM);
    String file = named != null ? named.strip() : DEFAULT_CONFIG_FILE;
    Properties props = loadProperties(files, file, named != null);
    for (String key : new TreeSet<>(props.stringPropertyNames())) {
      values.put(key, props.getProperty(key).strip());
      sources.put(key, file);
    }
    initParameters.forEach(
        (name, value) -> {
          if (name.startsWith(PARAM_PREFIX) && !name.equals(CONFIG_FILE_PARAM)) {
            String key = name.substring(PARAM_PREFIX.length());
            values.put(key, value.strip());
            sources.put(key, "context init-parameter " + name);
          }
        });
    for (String key : List.copyOf(values.keySet())) {
      if (DJL_SERVER_ONLY.contains(key)) {
        LOG.warn("Ignoring {} (from {}): in a servlet container the container's connectors decide it", key, sources.get(key));
        values.remove(key);
      } else if (!KNOWN.contains(key)) {
        LOG.warn(
            "Ignoring {}={} (from {}): not a setting ServingKit understands (known: {})",
            key,
            values.get(key),
            sources.get(key),
            String.join(", ", new TreeSet<>(KNOWN)));
        values.remove(key);
      }
    }
    return new WebAppConfig(values, sources);
  }

  private static Properties loadProperties(WarFiles files, String file, boolean required) {
    Properties props = new Properties();
    try (InputStream in = files.open(file)) {
      if (in == null) {
        if (required) {
          throw new InvalidSpecException("the ServingKit configuration file " + file + " does not exist");
        }
        return props;
      }
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        props.load(reader);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidSpecException("cannot read the ServingKit configuration file " + file + ": " + e.getMessage(), e);
    }
    return props;
  }

  /** Every setting, after overrides. */
  Map<String, String> values() {
    return values;
  }

  /** A model server builder with these settings; model store and model URLs inside the WAR are resolved by {@code files}. */
  ModelServer.Builder serverBuilder(WarFiles files) {
    ModelServer.Builder b = ModelServer.builder();
    withInt("job_queue_size", 1, b::jobQueueSize);
    withInt("batch_size", 1, b::batchSize);
    withLong("max_batch_delay", 0, v -> b.maxBatchDelay(Duration.ofMillis(v)));
    withLong("max_idle_time", 0, v -> b.maxIdleTime(Duration.ofSeconds(v)));
    withInt("reserved_memory_mb", 0, b::reservedMemoryMb);
    String devices = values.get("load_on_devices");
    if (devices != null) {
      apply("load_on_devices", () -> b.loadOnDevices(devices));
    }
    String models = values.get("models");
    if (models != null) {
      for (ModelSpec spec : parseEntries("models", models)) {
        b.model(resolve(spec, files));
      }
    }
    String store = values.get("model_store");
    Path storeFolder = null;
    if (store != null && !store.isEmpty()) {
      storeFolder = folder("model_store", store, files);
    } else if (store == null && files.isFolder(DEFAULT_MODEL_STORE)) {
      storeFolder = files.folder(DEFAULT_MODEL_STORE);
    }
    if (storeFolder != null) {
      b.modelStore(storeFolder);
    }
    String loadModels = values.get("load_models");
    if (loadModels != null) {
      String mode = loadModels.strip();
      if (mode.equalsIgnoreCase("ALL") || mode.equalsIgnoreCase("NONE")) {
        b.loadModels(mode);
      } else {
        // entries: load exactly these (with a store, instead of the store's models)
        b.loadModels("NONE");
        for (ModelSpec spec : parseEntries("load_models", mode)) {
          b.model(resolve(spec, files));
        }
      }
    }
    return b;
  }

  /** The REST API settings. */
  ApiConfig apiConfig() {
    ApiConfig.Builder b = ApiConfig.builder();
    withLong("max_request_size", 1, b::maxRequestSize);
    withString("cors_allowed_origin", b::corsAllowedOrigin);
    withString("cors_allowed_methods", b::corsAllowedMethods);
    withString("cors_allowed_headers", b::corsAllowedHeaders);
    withLong("chunked_read_timeout", 1, v -> b.chunkReadTimeout(Duration.ofSeconds(v)));
    withLong("request_body_timeout", 1, v -> b.requestBodyTimeout(Duration.ofSeconds(v)));
    withLong("max_request_bytes_in_flight", 1, v -> b.bodyBudget(new BodyBudget(v)));
    String endpoints = values.get("endpoints");
    if (endpoints != null) {
      try {
        b.endpoints(ApiConfig.Endpoints.valueOf(endpoints.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw invalid("endpoints", endpoints, "expected ALL, INFERENCE or MANAGEMENT");
      }
    }
    return b.build();
  }

  /** How long a request may take; zero for no limit. */
  Duration asyncTimeout() {
    String v = values.get("async_timeout");
    if (v == null) {
      return ServingServlet.DEFAULT_ASYNC_TIMEOUT;
    }
    return Duration.ofMillis(parseLong("async_timeout", v, 0, Long.MAX_VALUE, sources.get("async_timeout")));
  }

  /** Where the listener maps the servlet, or null when the application maps it itself. */
  String urlPattern() {
    String v = values.getOrDefault("url_pattern", "/*");
    if (v.equalsIgnoreCase("none")) {
      return null;
    }
    if (v.isEmpty() || !(v.startsWith("/") || v.startsWith("*."))) {
      throw invalid("url_pattern", v, "expected a servlet URL pattern such as /* or /serving/*, or none");
    }
    return v;
  }

  // --- helpers ---

  private Path folder(String key, String value, WarFiles files) {
    if (value.startsWith(WEB_INF)) {
      if (!files.isFolder(value)) {
        throw invalid(key, value, "no such folder in the web application");
      }
      return files.folder(value);
    }
    Path path = value.startsWith("file:") ? Path.of(java.net.URI.create(value)) : Path.of(value);
    if (!Files.isDirectory(path)) {
      throw invalid(key, value, "no such folder");
    }
    return path;
  }

  private List<ModelSpec> parseEntries(String key, String entries) {
    try {
      return ModelSpec.parseList(entries);
    } catch (InvalidSpecException e) {
      throw new InvalidSpecException(key + " (from " + sources.get(key) + "): " + e.getMessage(), e);
    }
  }

  private static ModelSpec resolve(ModelSpec spec, WarFiles files) {
    String url = spec.url();
    String inWar = url.startsWith("file:" + WEB_INF) ? url.substring("file:".length()) : url;
    if (!inWar.startsWith(WEB_INF)) {
      return spec;
    }
    Path local = files.isFolder(inWar) ? files.folder(inWar) : files.file(inWar);
    if (local == null) {
      throw new InvalidSpecException("model " + spec.name() + ": " + inWar + " does not exist in the web application");
    }
    return ModelSpec.of(spec.name(), spec.version().orElse(null), local.toUri().toString(), spec.properties());
  }

  private void withInt(String key, int min, Consumer<Integer> setter) {
    String v = values.get(key);
    if (v != null) {
      long n = parseLong(key, v, min, Integer.MAX_VALUE, sources.get(key));
      apply(key, () -> setter.accept((int) n));
    }
  }

  private void withLong(String key, long min, Consumer<Long> setter) {
    String v = values.get(key);
    if (v != null) {
      long n = parseLong(key, v, min, Long.MAX_VALUE, sources.get(key));
      apply(key, () -> setter.accept(n));
    }
  }

  private void withString(String key, Consumer<String> setter) {
    String v = values.get(key);
    if (v != null) {
      setter.accept(v);
    }
  }

  private void apply(String key, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | InvalidSpecException e) {
      String value = values.get(key);
      String why = e.getMessage();
      if (why.startsWith(key + "=" + value + ": ")) {
        why = why.substring(key.length() + value.length() + 3);
      }
      throw new InvalidSpecException(key + "=" + value + " (from " + sources.get(key) + "): " + why, e);
    }
  }

  private InvalidSpecException invalid(String key, String value, String why) {
    return new InvalidSpecException(key + "=" + value + " (from " + sources.get(key) + "): " + why);
  }

  static long parseLong(String key, String value, long min, long max) {
    return parseLong(key, value, min, max, null);
  }

  private static long parseLong(String key, String value, long min, long max, String source) {
    String where = source == null ? "" : " (from " + source + ")";
    long n;
    try {
      n = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(key + "=" + value + where + ": not a whole number");
    }
    if (n < min || n > max) {
      throw new InvalidSpecException(key + "=" + value + where + ": must be between " + min + " and " + max);
    }
    return n;
  }
}
