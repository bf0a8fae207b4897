package io.servingkit.spring;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code servingkit.*} properties of a Spring application, bound through ServingKit's one configuration model
 * ({@link ServingConfig}): the keys of DJL Serving's {@code config.properties} ({@code servingkit.job_queue_size},
 * {@code servingkit.models}, ..., dashes working as underscores), checked and reported the same way as in the
 * standalone server and the servlet listener, plus the starter's own {@code enabled}. {@code url_pattern} defaults
 * to {@code /serving/*} here. An unknown key or a malformed value is an {@link io.servingkit.InvalidSpecException}
 * naming key, value and property.
 *
 * <p>Threading: immutable once read.
 */
final class ServingKitSettings {

  static final String PREFIX = "servingkit";

  /** The starter's own key, not part of {@link ServingConfig} (read by the auto-configuration's condition). */
  private static final String ENABLED = "enabled";

  private final ServingConfig config;

  ServingKitSettings(Map<String, String> values) {
    ServingConfig.Builder builder = ServingConfig.builder().host(ServingConfig.Scope.SERVLET);
    values.forEach(
        (k, v) -> {
          String key = k.replace('-', '_').toLowerCase(Locale.ROOT);
          String value = v == null ? "" : v.strip();
          if (!key.equals(ENABLED)) {
            builder.properties(Map.of(key, value), "property " + PREFIX + "." + k);
          }
        });
    this.config = builder.build();
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

  /** The access log ({@code access_log}, {@code access_log_format}), or null when switched off. */
  AccessLog accessLog() {
    return AccessLog.from(config);
  }
}
