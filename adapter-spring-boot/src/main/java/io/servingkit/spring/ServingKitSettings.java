package io.servingkit.spring;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code servingkit.*} properties of a Spring application: DJL Serving's {@code config.properties} keys
 * ({@code servingkit.job_queue_size}, {@code servingkit.models}, ...; dashes work as underscores), plus the
 * starter's own {@code enabled}, {@code url_pattern}, {@code async_timeout}, {@code access_log} and
 * {@code access_log_format}. An unknown key is an error naming it.
 *
 * <p>Threading: immutable once read.
 */
final class ServingKitSettings {

  static final String PREFIX = "servingkit";

  private static final Set<String> SERVER =
      Set.of(
          "model_store", "load_models", "models", "job_queue_size", "batch_size", "max_batch_delay",
          "max_idle_time", "load_on_devices", "reserved_memory_mb");
  private static final Set<String> API =
      Set.of(
          "max_request_size", "cors_allowed_origin", "cors_allowed_methods", "cors_allowed_headers",
          "chunked_read_timeout", "endpoints");
  private static final Set<String> STARTER =
      Set.of("enabled", "url_pattern", "async_timeout", "access_log", "access_log_format");

  private final Map<String, String> values;

  ServingKitSettings(Map<String, String> values) {
    Map<String, String> normalised = new TreeMap<>();
    values.forEach((k, v) -> normalised.put(k.replace('-', '_').toLowerCase(Locale.ROOT), v == null ? "" : v.strip()));
    for (String key : normalised.keySet()) {
      if (!SERVER.contains(key) && !API.contains(key) && !STARTER.contains(key)) {
        Set<String> known = new TreeSet<>(SERVER);
        known.addAll(API);
        known.addAll(STARTER);
        throw new InvalidSpecException(
            PREFIX + "." + key + " is not a ServingKit setting (known: " + String.join(", ", known) + ")");
      }
    }
    this.values = Map.copyOf(normalised);
  }

  /** The {@code servingkit.*} properties of {@code environment}. */
  static ServingKitSettings of(Environment environment) {
    Map<String, String> raw =
        Binder.get(environment)
            .bind(PREFIX, Bindable.mapOf(String.class, String.class))
            .orElseGet(LinkedHashMap::new);
    return new ServingKitSettings(raw);
  }

  /** A server builder with the server keys applied. */
  ModelServer.Builder serverBuilder() {
    ModelServer.Builder b = ModelServer.builder();
    withLong("job_queue_size", v -> b.jobQueueSize(toInt("job_queue_size", v)));
    withLong("batch_size", v -> b.batchSize(toInt("batch_size", v)));
    withLong("max_batch_delay", v -> b.maxBatchDelay(Duration.ofMillis(v)));
    withLong("max_idle_time", v -> b.maxIdleTime(Duration.ofSeconds(v)));
    withLong("reserved_memory_mb", v -> b.reservedMemoryMb(toInt("reserved_memory_mb", v)));
    String devices = values.get("load_on_devices");
    if (devices != null) {
      apply("load_on_devices", () -> b.loadOnDevices(devices));
    }
    String models = values.get("models");
    if (models != null && !models.isEmpty()) {
      apply("models", () -> ModelSpec.parseList(models).forEach(b::model));
    }
    String store = values.get("model_store");
    if (store != null && !store.isEmpty()) {
      apply("model_store", () -> b.modelStore(Path.of(store.startsWith("file:") ? store.substring(5) : store)));
    }
    String load = values.get("load_models");
    if (load != null && !load.isEmpty()) {
      apply("load_models", () -> b.loadModels(load));
    }
    return b;
  }

  /** The REST API settings. */
  ApiConfig apiConfig() {
    ApiConfig.Builder b = ApiConfig.builder();
    withLong("max_request_size", b::maxRequestSize);
    withLong("chunked_read_timeout", v -> b.chunkReadTimeout(Duration.ofSeconds(v)));
    String origin = values.get("cors_allowed_origin");
    if (origin != null) {
      b.corsAllowedOrigin(origin);
    }
    String methods = values.get("cors_allowed_methods");
    if (methods != null) {
      b.corsAllowedMethods(methods);
    }
    String headers = values.get("cors_allowed_headers");
    if (headers != null) {
      b.corsAllowedHeaders(headers);
    }
    String endpoints = values.get("endpoints");
    if (endpoints != null) {
      try {
        b.endpoints(ApiConfig.Endpoints.valueOf(endpoints.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw invalid("endpoints", "expected ALL, INFERENCE or MANAGEMENT");
      }
    }
    return b.build();
  }

  /** Where the REST API is mounted in the application's web server (default {@code /serving/*}). */
  String urlPattern() {
    String v = values.getOrDefault("url_pattern", "/serving/*");
    if (!v.startsWith("/")) {
      throw invalid("url_pattern", "expected a servlet URL pattern such as /serving/* or /*");
    }
    return v;
  }

  /** How long one REST request may take; zero for no limit (default 5 minutes). */
  Duration asyncTimeout() {
    String v = values.get("async_timeout");
    return v == null ? Duration.ofMinutes(5) : Duration.ofMillis(parse("async_timeout", v));
  }

  /**
   * The access log ({@code access_log}, default true; {@code access_log_format}: {@code combined}, the default,
   * or {@code common}), or null when switched off.
   */
  AccessLog accessLog() {
    String v = values.getOrDefault("access_log", "true");
    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
      throw invalid("access_log", "expected true or false");
    }
    if (!Boolean.parseBoolean(v)) {
      return null;
    }
    try {
      return AccessLog.of(values.getOrDefault("access_log_format", "combined"));
    } catch (IllegalArgumentException e) {
      throw invalid("access_log_format", "expected combined or common");
    }
  }

  private void withLong(String key, LongConsumer setter) {
    String v = values.get(key);
    if (v != null) {
      long n = parse(key, v);
      apply(key, () -> setter.accept(n));
    }
  }

  private long parse(String key, String v) {
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw invalid(key, "must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw invalid(key, "not a whole number");
    }
  }

  private int toInt(String key, long v) {
    if (v > Integer.MAX_VALUE) {
      throw invalid(key, "at most " + Integer.MAX_VALUE);
    }
    return (int) v;
  }

  private void apply(String key, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException | InvalidSpecException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(PREFIX + "." + key + "=")) {
        throw e;
      }
      throw new InvalidSpecException(PREFIX + "." + key + "=" + values.get(key) + ": " + e.getMessage(), e);
    }
  }

  private InvalidSpecException invalid(String key, String why) {
    return new InvalidSpecException(PREFIX + "." + key + "=" + values.get(key) + ": " + why);
  }
}
