package io.servingkit;

import io.servingkit.internal.config.Durations;
import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An immutable description of one model to serve: its name, version, engine, devices, URL and the key/value
 * properties that configure it (the keys of DJL Serving's {@code serving.properties}).
 *
 * <p>Create one with {@link #parse(String)} from a model URL entry {@code [name][:version][:engine][:devices]=url}
 * (as given to {@code -m}, {@code load_models} or {@link ModelServer.Builder#model(String)}), then refine it with
 * {@link #with(String, String)}. The server merges the model folder's {@code serving.properties} and the server
 * defaults under it with {@link #withDefaults(Map)}: values already in the spec always win.
 *
 * <p>Every known key is validated when the spec is created: a wrong type fails with an
 * {@link InvalidSpecException} naming the key and value ({@code batch_size=abc: not an integer}). Unknown keys are
 * kept, since translators and handlers read them.
 *
 * <p>Threading: immutable and safe to share.
 */
public final class ModelSpec {

  /** Engines ServingKit knows, in their canonical spelling. */
  public static final List<String> ENGINES =
      List.of("PyTorch", "OnnxRuntime", "TensorFlow", "MXNet", "PaddlePaddle", "Python");

  private static final Pattern NON_WORD = Pattern.compile("\\W");

  /**
   * The characters a model name may hold: DJL Serving infers names of letters, digits and {@code _}; names given
   * explicitly may also hold {@code -} and {@code .} after the first character, as DJL's predecessor (MMS) allowed.
   * A name is also a folder name and a path segment: this rule keeps every path derived from it inside its folder.
   */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,127}");

  /** {@link #NAME} in words, for error messages. */
  private static final String NAME_RULE =
      "a model name starts with an ASCII letter, digit or '_' and holds only those, '-' and '.' (at most 128"
          + " characters), as DJL Serving's names do";
  private static final List<String> ARCHIVE_SUFFIXES =
      List.of(".tar.gz", ".tgz", ".zip", ".tar", ".mar", ".gz");
  private static final Set<String> INT_KEYS =
      Set.of(
          "job_queue_size",
          "batch_size",
          "max_dynamic_batch_size",
          "minWorkers",
          "maxWorkers",
          "cpu.minWorkers",
          "cpu.maxWorkers",
          "gpu.minWorkers",
          "gpu.maxWorkers",
          "required_memory_mb",
          "reserved_memory_mb",
          "gpu.required_memory_mb",
          "gpu.reserved_memory_mb",
          "retry_threshold",
          "metrics_aggregation",
          "option.tensor_parallel_degree",
          "option.max_rolling_batch_size",
          "max_image_pixels",
          "warmup_iterations");
  private static final Set<String> POSITIVE_KEYS =
      Set.of(
          "job_queue_size", "batch_size", "max_dynamic_batch_size", "metrics_aggregation",
          "option.max_rolling_batch_size", "max_image_pixels", "warmup_iterations");

  /**
   * Duration keys and the unit of a bare number (DJL's): {@code max_batch_delay=100} is milliseconds,
   * {@code max_idle_time=60} seconds. A value may also carry its unit ({@code 500ms}, {@code 2s}, {@code 750us}).
   */
  private static final Map<String, ChronoUnit> DURATION_KEYS =
      Map.of(
          "max_batch_delay", ChronoUnit.MILLIS,
          "max_idle_time", ChronoUnit.SECONDS,
          "option.predict_timeout", ChronoUnit.SECONDS,
          "option.model_loading_timeout", ChronoUnit.SECONDS);

  private static final Set<String> POSITIVE_DURATION_KEYS =
      Set.of("option.predict_timeout", "option.model_loading_timeout");

  /** serving.properties keys ServingKit reads itself, besides {@code option.*}: a server default may set them. */
  private static final Set<String> MODEL_KEYS =
      Set.of(
          "engine", "load_on_devices", "translatorFactory", "translator", "application", "task", "batchifier",
          "job_queue_size", "batch_size", "max_dynamic_batch_size", "max_batch_delay", "max_idle_time",
          "log_model_metric", "log_request_metric", "metrics_aggregation", "minWorkers", "maxWorkers",
          "cpu.minWorkers", "cpu.maxWorkers", "gpu.minWorkers", "gpu.maxWorkers", "required_memory_mb",
          "reserved_memory_mb", "gpu.required_memory_mb", "gpu.reserved_memory_mb", "retry_threshold",
          "max_image_pixels", "warmup_inputs", "warmup_iterations");
  private static final Set<String> BOOLEAN_KEYS =
      Set.of(
          "log_model_metric",
          "log_request_metric",
          "option.enable_venv",
          "option.parallel_loading",
          "option.retry_on_crash");

  private final String name;
  private final String version;
  private final String url;
  private final Map<String, String> properties;

  private ModelSpec(String name, String version, String url, Map<String, String> properties) {
    this.name = name;
    this.version = version;
    this.url = url;
    String engine = properties.get("engine");
    if (engine != null) {
      properties.put("engine", canonicalEngine(engine));
    }
    this.properties = Collections.unmodifiableMap(properties);
    validate();
  }

  /**
   * Parses a model URL entry {@code [name][:version][:engine][:devices]=url}. The part before {@code =} may be
   * wrapped in brackets; empty fields are kept ({@code resnet::PyTorch=url}). A query string on the URL is not
   * part of the location: its pairs become properties ({@code model_name} also sets {@code option.modelName}).
   * Without a name, the name is inferred from the URL's last path segment.
   *
   * @throws InvalidSpecException when the entry is empty or a field is malformed
   */
  public static ModelSpec parse(String entry) {
    if (entry == null || entry.isBlank()) {
      throw new InvalidSpecException("model entry is empty");
    }
    String text = entry.strip();
    String head = null;
    String location = text;
    int eq = text.indexOf('=');
    if (eq >= 0) {
      String left = text.substring(0, eq);
      if (left.indexOf('/') < 0 && left.indexOf('?') < 0) {
        head = left;
        location = text.substring(eq + 1).strip();
      }
    }
    if (location.isEmpty()) {
      throw new InvalidSpecException("model entry " + text + ": the URL after '=' is empty");
    }
    Map<String, String> props = new LinkedHashMap<>();
    String name = null;
    String version = null;
    if (head != null) {
      head = head.strip();
      if (head.startsWith("[")) {
        head = head.substring(1);
      }
      if (head.endsWith("]")) {
        head = head.substring(0, head.length() - 1);
      }
      String[] fields = head.split(":", -1);
      if (fields.length > 4) {
        throw new InvalidSpecException(
            "model entry " + text + ": expected [name][:version][:engine][:devices]=url");
      }
      name = emptyToNull(fields[0]);
      version = fields.length > 1 ? emptyToNull(fields[1]) : null;
      if (fields.length > 2 && !fields[2].isBlank()) {
        props.put("engine", fields[2].strip());
      }
      if (fields.length > 3 && !fields[3].isBlank()) {
        props.put("load_on_devices", fields[3].strip());
      }
    }
    int q = location.indexOf('?');
    String url = location;
    if (q >= 0) {
      url = location.substring(0, q);
      for (String pair : location.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int e = pair.indexOf('=');
        String key = decode(e < 0 ? pair : pair.substring(0, e));
        String value = e < 0 ? "" : decode(pair.substring(e + 1));
        props.put(key, value);
      }
      String modelName = props.get("model_name");
      if (modelName != null && !props.containsKey("option.modelName")) {
        props.put("option.modelName", modelName);
      }
    }
    if (url.isEmpty()) {
      throw new InvalidSpecException("model entry " + text + ": the URL is empty");
    }
    if (name == null) {
      name = inferName(url);
    }
    return new ModelSpec(name, version, url, props);
  }

  /**
   * Parses a list of entries separated by commas or white space, as in {@code load_models} or a repeated
   * {@code -m}.
   */
  public static List<ModelSpec> parseList(String entries) {
    List<ModelSpec> specs = new ArrayList<>();
    if (entries == null) {
      return specs;
    }
    for (String entry : entries.split("[,\\s]+")) {
      if (!entry.isBlank()) {
        specs.add(parse(entry));
      }
    }
    return specs;
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    StringBuilder b = new StringBuilder();
    for (char c : cut.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }

  /** Creates a spec from its parts; {@code version} may be null. */
  public static ModelSpec of(String name, String version, String url, Map<String, String> properties) {
    requireText(name, "name");
    requireText(url, "url");
    Objects.requireNonNull(properties, "properties");
    return new ModelSpec(name, emptyToNull(version), url, new LinkedHashMap<>(properties));
  }

  /**
   * Infers a model name from a URL or path: the last path segment without its archive suffix, every non-word
   * character replaced by {@code _} ({@code bert-base.tar.gz} becomes {@code bert_base}).
   */
  public static String inferName(String url) {
    String path = url;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    while (path.endsWith("/") && path.length() > 1) {
      path = path.substring(0, path.length() - 1);
    }
    int slash = path.lastIndexOf('/');
    String segment = slash >= 0 ? path.substring(slash + 1) : path;
    int colon = segment.lastIndexOf(':');
    if (colon >= 0) {
      segment = segment.substring(colon + 1);
    }
    String lower = segment.toLowerCase(Locale.ROOT);
    for (String suffix : ARCHIVE_SUFFIXES) {
      if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
        segment = segment.substring(0, segment.length() - suffix.length());
        break;
      }
    }
    if (segment.isEmpty()) {
      throw new InvalidSpecException("cannot infer a model name from URL " + url);
    }
    return NON_WORD.matcher(segment).replaceAll("_");
  }

  /**
   * Reads a {@code serving.properties} file into an ordered map. A missing file gives an empty map.
   *
   * @throws InvalidSpecException when the file cannot be read or is malformed; the message names the file
   */
  public static Map<String, String> readProperties(Path file) {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
    } catch (NoSuchFileException e) {
      return new LinkedHashMap<>();
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidSpecException(file + ": cannot read properties: " + e.getMessage(), e);
    }
    Map<String, String> map = new LinkedHashMap<>();
    props.stringPropertyNames().stream().sorted().forEach(k -> map.put(k.strip(), props.getProperty(k).strip()));
    return map;
  }

  /** The model name. */
  public String name() {
    return name;
  }

  /** The model version, empty when none was given. */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  /** The model URL without its query string: {@code file:}, {@code http(s):}, {@code jar:} or a plain path. */
  public String url() {
    return url;
  }

  /** Every property, {@code option.*} keys included, in insertion order. */
  public Map<String, String> properties() {
    return properties;
  }

  /** The value of a property, if set. */
  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }

  /** The engine options: {@code option.*} keys with the prefix removed. */
  public Map<String, String> options() {
    Map<String, String> map = new LinkedHashMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith("option.")) {
            map.put(k.substring("option.".length()), v);
          }
        });
    return Collections.unmodifiableMap(map);
  }

  /** The model arguments: every key that does not start with {@code option.}. */
  public Map<String, String> arguments() {
    Map<String, String> map = new LinkedHashMap<>();
    properties.forEach(
        (k, v) -> {
          if (!k.startsWith("option.")) {
            map.put(k, v);
          }
        });
    return Collections.unmodifiableMap(map);
  }

  /** Returns a copy with {@code key} set to {@code value} (validated); {@code null} removes the key. */
  public ModelSpec with(String key, String value) {
    requireText(key, "key");
    Map<String, String> copy = new LinkedHashMap<>(properties);
    if (value == null) {
      copy.remove(key);
    } else {
      copy.put(key, value);
    }
    return new ModelSpec(name, version, url, copy);
  }

  /** Returns a copy with another name. */
  public ModelSpec withName(String newName) {
    requireText(newName, "name");
    return new ModelSpec(newName, version, url, new LinkedHashMap<>(properties));
  }

  /** Returns a copy with another version; null or empty removes it. */
  public ModelSpec withVersion(String newVersion) {
    return new ModelSpec(name, emptyToNull(newVersion), url, new LinkedHashMap<>(properties));
  }

  /**
   * Returns a copy where every key of {@code defaults} that this spec does not set is added. Call it with the
   * folder's {@code serving.properties} first, then with the server defaults, to get the documented precedence.
   */
  public ModelSpec withDefaults(Map<String, String> defaults) {
    Map<String, String> merged = new LinkedHashMap<>(defaults);
    merged.putAll(properties);
    return new ModelSpec(name, version, url, merged);
  }

  /** The engine, if given ({@code engine} key), in canonical spelling. */
  public Optional<String> engine() {
    return property("engine");
  }

  /** {@code load_on_devices}: {@code *} (default), or a {@code ;}-separated list such as {@code cpu} or {@code gpu0;gpu1}. */
  public String loadOnDevices() {
    return properties.getOrDefault("load_on_devices", "*");
  }

  /** {@code job_queue_size}, default 1000. */
  public int jobQueueSize() {
    return getInt("job_queue_size", 1000);
  }

  /** {@code batch_size} (alias {@code max_dynamic_batch_size}), default 1. */
  public int batchSize() {
    if (properties.containsKey("batch_size")) {
      return getInt("batch_size", 1);
    }
    return getInt("max_dynamic_batch_size", 1);
  }

  /** {@code max_batch_delay} (a bare number is milliseconds), default 100 ms. */
  public Duration maxBatchDelay() {
    return getDuration("max_batch_delay", Duration.ofMillis(100));
  }

  /** {@code max_idle_time} (a bare number is seconds), default 60 s. */
  public Duration maxIdleTime() {
    return getDuration("max_idle_time", Duration.ofSeconds(60));
  }

  /**
   * Reads a duration property: a whole number in the key's unit (milliseconds for {@code max_batch_delay},
   * seconds for {@code max_idle_time}, {@code option.predict_timeout}, {@code option.model_loading_timeout} and
   * any other key), or a whole number with a unit ({@code 500ms}, {@code 2s}, {@code 750us}, {@code 5m}).
   *
   * @throws InvalidSpecException naming key and value when malformed
   */
  public Duration getDuration(String key, Duration defaultValue) {
    String value = properties.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Durations.parse(value, DURATION_KEYS.getOrDefault(key, ChronoUnit.SECONDS));
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException(key + "=" + value + ": " + e.getMessage());
    }
  }

  /** Whether {@code key} is a serving.properties key ServingKit reads (besides {@code option.*}). */
  static boolean isModelKey(String key) {
    return MODEL_KEYS.contains(key) || DURATION_KEYS.containsKey(key) || INT_KEYS.contains(key)
        || BOOLEAN_KEYS.contains(key);
  }

  /** Minimum workers for a device kind: {@code cpu.minWorkers}/{@code gpu.minWorkers} wins over {@code minWorkers}. */
  public OptionalInt minWorkers(boolean gpu) {
    return workers(gpu, "minWorkers");
  }

  /** Maximum workers for a device kind: {@code cpu.maxWorkers}/{@code gpu.maxWorkers} wins over {@code maxWorkers}. */
  public OptionalInt maxWorkers(boolean gpu) {
    return workers(gpu, "maxWorkers");
  }

  /** {@code required_memory_mb} (or {@code gpu.required_memory_mb}), default 0. */
  public int requiredMemoryMb(boolean gpu) {
    return gpu && properties.containsKey("gpu.required_memory_mb")
        ? getInt("gpu.required_memory_mb", 0)
        : getInt("required_memory_mb", 0);
  }

  /** {@code reserved_memory_mb} (or {@code gpu.reserved_memory_mb}), default 500. */
  public int reservedMemoryMb(boolean gpu) {
    return gpu && properties.containsKey("gpu.reserved_memory_mb")
        ? getInt("gpu.reserved_memory_mb", 500)
        : getInt("reserved_memory_mb", 500);
  }

  /** {@code retry_threshold}: crashes in a row before the model is marked FAILED, default 3. */
  public int retryThreshold() {
    return getInt("retry_threshold", 3);
  }

  /** {@code log_model_metric}, default false. */
  public boolean logModelMetric() {
    return getBoolean("log_model_metric", false);
  }

  /** {@code log_request_metric}, default false. */
  public boolean logRequestMetric() {
    return getBoolean("log_request_metric", false);
  }

  /** {@code metrics_aggregation}, default 1000. */
  public int metricsAggregation() {
    return getInt("metrics_aggregation", 1000);
  }

  /**
   * Reads an integer property.
   *
   * @throws InvalidSpecException naming key and value when it is not an integer
   */
  public int getInt(String key, int defaultValue) {
    String value = properties.get(key);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(key + "=" + value + ": not an integer");
    }
  }

  /**
   * Reads a boolean property ({@code true} or {@code false}, any case).
   *
   * @throws InvalidSpecException naming key and value otherwise
   */
  public boolean getBoolean(String key, boolean defaultValue) {
    String value = properties.get(key);
    if (value == null) {
      return defaultValue;
    }
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new InvalidSpecException(key + "=" + value + ": not a boolean (true or false)");
  }

  /** Reads a string property. */
  public String getString(String key, String defaultValue) {
    return properties.getOrDefault(key, defaultValue);
  }

  private OptionalInt workers(boolean gpu, String key) {
    String prefixed = (gpu ? "gpu." : "cpu.") + key;
    if (properties.containsKey(prefixed)) {
      return OptionalInt.of(getInt(prefixed, 0));
    }
    if (properties.containsKey(key)) {
      return OptionalInt.of(getInt(key, 0));
    }
    return OptionalInt.empty();
  }

  private void validate() {
    if (!NAME.matcher(name).matches()) {
      throw new InvalidSpecException(
          "Invalid model name '" + printable(name) + "': " + NAME_RULE);
    }
    if (version != null && !version.matches("[\\w.\\-]+")) {
      throw new InvalidSpecException("version=" + version + ": only letters, digits, '.', '-' and '_' allowed");
    }
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String key = e.getKey();
      if (INT_KEYS.contains(key)) {
        long v = getInt(key, 0);
        if (v < 0) {
          throw new InvalidSpecException(key + "=" + e.getValue() + ": must not be negative");
        }
        if (v == 0 && POSITIVE_KEYS.contains(key)) {
          throw new InvalidSpecException(key + "=" + e.getValue() + ": must be at least 1");
        }
      } else if (BOOLEAN_KEYS.contains(key)) {
        getBoolean(key, false);
      } else if (DURATION_KEYS.containsKey(key)) {
        if (getDuration(key, Duration.ZERO).isZero() && POSITIVE_DURATION_KEYS.contains(key)) {
          throw new InvalidSpecException(key + "=" + e.getValue() + ": must be positive");
        }
      }
    }
    for (boolean gpu : new boolean[] {false, true}) {
      OptionalInt min = minWorkers(gpu);
      OptionalInt max = maxWorkers(gpu);
      if (min.isPresent() && max.isPresent() && min.getAsInt() > max.getAsInt()) {
        throw new InvalidSpecException(
            (gpu ? "gpu" : "cpu")
                + " minWorkers="
                + min.getAsInt()
                + " is greater than maxWorkers="
                + max.getAsInt());
      }
    }
  }

  /**
   * Returns the canonical spelling of an engine name, accepting any case.
   *
   * @throws InvalidSpecException for an unknown engine
   */
  public static String canonicalEngine(String engine) {
    for (String known : ENGINES) {
      if (known.equalsIgnoreCase(engine.strip())) {
        return known;
      }
    }
    throw new InvalidSpecException(
        "engine=" + engine + ": unknown engine, expected one of " + String.join(", ", ENGINES));
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static void requireText(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new InvalidSpecException(what + " must not be empty");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelSpec)) {
      return false;
    }
    ModelSpec other = (ModelSpec) o;
    return name.equals(other.name)
        && Objects.equals(version, other.version)
        && url.equals(other.url)
        && properties.equals(other.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, url, properties);
  }

  @Override
  public String toString() {
    return name + (version == null ? "" : ":" + version) + "=" + url + " " + properties;
  }
}
