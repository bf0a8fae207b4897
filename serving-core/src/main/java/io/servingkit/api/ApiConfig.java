package io.servingkit.api;

import io.servingkit.ServingConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * How a {@link ServingApi} answers: which endpoint groups it serves, the largest body it accepts, the CORS
 * headers it adds, how long it waits for a streamed chunk, and where it runs management calls that may block.
 *
 * <p>Create one with {@link #builder()}; {@link #defaults()} serves both groups with DJL Serving's limits.
 *
 * <p>Threading: immutable; safe to share.
 */
public final class ApiConfig {

  /** DJL Serving's default {@code max_request_size}: 64 MiB. */
  public static final long DEFAULT_MAX_REQUEST_SIZE = ServingConfig.MAX_REQUEST_SIZE.defaultValue().orElseThrow();

  /** Which endpoints a {@link ServingApi} serves; the others answer 404 as unknown paths. */
  public enum Endpoints {
    /** {@code /ping}, {@code /predictions}, {@code /invocations}, {@code /models/{m}/invoke}, metrics. */
    INFERENCE,
    /** {@code /models} list, register, describe, scale, unregister, and metrics. */
    MANAGEMENT,
    /** Both groups on one listener. */
    ALL;

    boolean inference() {
      return this != MANAGEMENT;
    }

    boolean management() {
      return this != INFERENCE;
    }
  }

  private final Endpoints endpoints;
  private final long maxRequestSize;
  private final String corsAllowedOrigin;
  private final String corsAllowedMethods;
  private final String corsAllowedHeaders;
  private final Duration chunkReadTimeout;
  private final Executor managementExecutor;

  private ApiConfig(Builder b) {
    this.endpoints = b.endpoints;
    this.maxRequestSize = b.maxRequestSize;
    this.corsAllowedOrigin = b.corsAllowedOrigin;
    this.corsAllowedMethods = b.corsAllowedMethods;
    this.corsAllowedHeaders = b.corsAllowedHeaders;
    this.chunkReadTimeout = b.chunkReadTimeout;
    this.managementExecutor = b.managementExecutor;
  }

  /** Both endpoint groups, 64 MiB bodies, no CORS headers, 60 s chunk timeout. */
  public static ApiConfig defaults() {
    return builder().build();
  }

  /**
   * The API settings of a server configuration ({@code max_request_size}, {@code cors_allowed_*},
   * {@code chunked_read_timeout}), serving {@code endpoints}.
   */
  public static ApiConfig from(ServingConfig config, Endpoints endpoints) {
    return builder()
        .endpoints(endpoints)
        .maxRequestSize(config.get(ServingConfig.MAX_REQUEST_SIZE))
        .corsAllowedOrigin(config.get(ServingConfig.CORS_ALLOWED_ORIGIN))
        .corsAllowedMethods(config.get(ServingConfig.CORS_ALLOWED_METHODS))
        .corsAllowedHeaders(config.get(ServingConfig.CORS_ALLOWED_HEADERS))
        .chunkReadTimeout(config.get(ServingConfig.CHUNKED_READ_TIMEOUT))
        .build();
  }

  /** Starts a configuration with the defaults of {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The endpoint groups served. */
  public Endpoints endpoints() {
    return endpoints;
  }

  /** The largest request body accepted, in bytes; larger ones are answered 413. */
  public long maxRequestSize() {
    return maxRequestSize;
  }

  /** {@code Access-Control-Allow-Origin} added to every response, if set. */
  public Optional<String> corsAllowedOrigin() {
    return Optional.ofNullable(corsAllowedOrigin);
  }

  /** {@code Access-Control-Allow-Methods} added to every response, if set. */
  public Optional<String> corsAllowedMethods() {
    return Optional.ofNullable(corsAllowedMethods);
  }

  /** {@code Access-Control-Allow-Headers} added to every response, if set. */
  public Optional<String> corsAllowedHeaders() {
    return Optional.ofNullable(corsAllowedHeaders);
  }

  /** How long a streaming response waits for its next chunk before the stream is abandoned. */
  public Duration chunkReadTimeout() {
    return chunkReadTimeout;
  }

  /**
   * The executor that runs management calls which may block (register, scale, unregister), if given;
   * otherwise the {@link ServingApi} owns a small pool of its own.
   */
  public Optional<Executor> managementExecutor() {
    return Optional.ofNullable(managementExecutor);
  }

  @Override
  public String toString() {
    return "ApiConfig{endpoints="
        + endpoints
        + ", maxRequestSize="
        + maxRequestSize
        + ", corsAllowedOrigin="
        + corsAllowedOrigin
        + ", chunkReadTimeout="
        + chunkReadTimeout
        + "}";
  }

  /** Builder of {@link ApiConfig}; every setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private Endpoints endpoints = Endpoints.ALL;
    private long maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
    private String corsAllowedOrigin;
    private String corsAllowedMethods;
    private String corsAllowedHeaders;
    private Duration chunkReadTimeout = Duration.ofSeconds(60);
    private Executor managementExecutor;

    private Builder() {}

    /** The endpoint groups to serve (default {@link Endpoints#ALL}). */
    public Builder endpoints(Endpoints groups) {
      this.endpoints = Objects.requireNonNull(groups, "endpoints");
      return this;
    }

    /** The largest body accepted, in bytes, at least 1 (default 64 MiB). */
    public Builder maxRequestSize(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxRequestSize must be at least 1 byte, got " + bytes);
      }
      this.maxRequestSize = bytes;
      return this;
    }

    /** {@code Access-Control-Allow-Origin} value; null or empty adds none. */
    public Builder corsAllowedOrigin(String origin) {
      this.corsAllowedOrigin = emptyToNull(origin);
      return this;
    }

    /** {@code Access-Control-Allow-Methods} value; null or empty adds none. */
    public Builder corsAllowedMethods(String methods) {
      this.corsAllowedMethods = emptyToNull(methods);
      return this;
    }

    /** {@code Access-Control-Allow-Headers} value; null or empty adds none. */
    public Builder corsAllowedHeaders(String headers) {
      this.corsAllowedHeaders = emptyToNull(headers);
      return this;
    }

    /** How long to wait for each chunk of a streamed output, positive (default 60 s). */
    public Builder chunkReadTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "chunkReadTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("chunkReadTimeout must be positive, got " + timeout);
      }
      this.chunkReadTimeout = timeout;
      return this;
    }

    /**
     * Runs blocking management calls on this executor, which the {@link ServingApi} never shuts down. Without
     * one the API starts and stops its own small pool.
     */
    public Builder managementExecutor(Executor executor) {
      this.managementExecutor = Objects.requireNonNull(executor, "managementExecutor");
      return this;
    }

    /** Builds the configuration. */
    public ApiConfig build() {
      return new ApiConfig(this);
    }

    private static String emptyToNull(String s) {
      return s == null || s.isBlank() ? null : s.strip();
    }
  }
}
