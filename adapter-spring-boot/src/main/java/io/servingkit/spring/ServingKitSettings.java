package io.servingkit.spring;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code servingkit.*} properties of a Spring application, bound through ServingKit's one configuration model
 * ({@link ServingConfig}): the keys of DJL Serving's {@code config.properties} ({@code servingkit.job_queue_size},
 * {@code servingkit.models}, ..., dashes working as underscores), checked and reported the same way as in the
 * standalone server and the servlet listener, plus the starter's own {@code enabled}, {@code access_log} and
 * {@code access_log_format}. {@code url_pattern} defaults to {@code /serving/*} here. An unknown key or a
 * malformed value is an {@link InvalidSpecException} naming key, value and property.
 *
 * <p>Threading: immutable once read.
 */
final class ServingKitSettings {

  static final String PREFIX = "servingkit";

  /** The starter's own keys, not part of {@link ServingConfig}. */
  private static final Set<String> STARTER = Set.of("enabled", "access_log", "access_log_format");

  private final ServingConfig config;
  private final Map<String, String> starter;

  ServingKitSettings(Map<String, String> values) {
    ServingConfig.Builder builder = ServingConfig.builder().host(ServingConfig.Scope.SERVLET);
    Map<String, String> own = new LinkedHashMap<>();
    values.forEach(
        (k, v) -> {
          String key = k.replace('-', '_').toLowerCase(Locale.ROOT);
          String value = v == null ? "" : v.strip();
          if (STARTER.contains(key)) {
            own.put(key, value);
          } else {
            builder.properties(Map.of(key, value), "property " + PREFIX + "." + k);
          }
        });
    this.config = builder.build();
    this.starter = Map.copyOf(own);
  }

  /** The {@code servingkit.*} properties of {@code environment}. */
  static ServingKitSettings of(Environment environment) {
    Map<String, String> raw =
        Binder.get(environment)
            .bind(PREFIX, Bindable.mapOf(String.class, String.class))
            .orElseGet(LinkedHashMap::new);
    return new ServingKitSettings(raw);
  }

  /** The configuration. */
  ServingConfig config() {
    return config;
  }

  /** A server builder with the configuration. */
  ModelServer.Builder serverBuilder() {
    return ModelServer.builder().config(config);
  }

  /** The REST API settings. */
  ApiConfig apiConfig() {
    return ApiConfig.from(
        config, ApiConfig.Endpoints.valueOf(config.get(ServingConfig.ENDPOINTS).toUpperCase(Locale.ROOT)));
  }

  /** Where the REST API is mounted in the application's web server (default {@code /serving/*}), or null for nowhere. */
  String urlPattern() {
    String v = config.find(ServingConfig.URL_PATTERN).orElse("/serving/*");
    return v.equals("none") ? null : v;
  }

  /** How long one REST request may take; zero for no limit (default 5 minutes). */
  Duration asyncTimeout() {
    return config.get(ServingConfig.ASYNC_TIMEOUT);
  }

  /**
   * The access log ({@code access_log}, default true; {@code access_log_format}: {@code combined}, the default,
   * or {@code common}), or null when switched off.
   */
  AccessLog accessLog() {
    String v = starter.getOrDefault("access_log", "true");
    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
      throw invalid("access_log", v, "expected true or false");
    }
    if (!Boolean.parseBoolean(v)) {
      return null;
    }
    String format = starter.getOrDefault("access_log_format", "combined");
    try {
      return AccessLog.of(format);
    } catch (IllegalArgumentException e) {
      throw invalid("access_log_format", format, "expected combined or common");
    }
  }

  private static InvalidSpecException invalid(String key, String value, String why) {
    return new InvalidSpecException(PREFIX + "." + key + "=" + value + ": " + why);
  }
}
