package io.servingkit.api;

import io.servingkit.ErrorRateLimit;
import io.servingkit.RegistrationPolicy;
import io.servingkit.ServingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

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
  private final TokenAuthorization tokenAuthorization;
  private final List<String> managementAllowedOrigins;
  private final RegistrationPolicy registrationPolicy;
  private final LogLevels logLevels;
  private final int asyncResultCapacity;
  private final Duration asyncResultTtl;
  private final Map<ServingConfig.Setting<ErrorRateLimit>, ErrorRateLimit> errorRateLimits;
  private final BodyBudget bodyBudget;
  private final Duration requestHeaderTimeout;
  private final Duration requestBodyTimeout;
  private final BooleanSupplier takingTraffic;

  private ApiConfig(Builder b) {
    this.takingTraffic = b.takingTraffic;
    this.tokenAuthorization = b.tokenAuthorization;
    this.managementAllowedOrigins = List.copyOf(b.managementAllowedOrigins);
    this.registrationPolicy = b.registrationPolicy;
    this.logLevels = b.logLevels;
    this.asyncResultCapacity = b.asyncResultCapacity;
    this.asyncResultTtl = b.asyncResultTtl;
    this.errorRateLimits = Map.copyOf(b.errorRateLimits);
    this.endpoints = b.endpoints;
    this.maxRequestSize = b.maxRequestSize;
    this.corsAllowedOrigin = b.corsAllowedOrigin;
    this.corsAllowedMethods = b.corsAllowedMethods;
    this.corsAllowedHeaders = b.corsAllowedHeaders;
    this.chunkReadTimeout = b.chunkReadTimeout;
    this.managementExecutor = b.managementExecutor;
    this.bodyBudget = b.bodyBudget != null ? b.bodyBudget : BodyBudget.forHeap(b.maxRequestSize);
    this.requestHeaderTimeout = b.requestHeaderTimeout;
    this.requestBodyTimeout = b.requestBodyTimeout;
  }

  /** DJL Serving has no such limit; ours: how long a client may take to send a request's head. */
  public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(30);

  /** How long a request body may go without a byte arriving. */
  public static final Duration DEFAULT_REQUEST_BODY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Both endpoint groups, 64 MiB bodies, a body budget of a quarter of the heap, 30 s header and body
   * timeouts, no CORS headers, 60 s chunk timeout.
   */
  public static ApiConfig defaults() {
    return builder().build();
  }

  /**
   * The API settings of a server configuration ({@code max_request_size}, {@code cors_allowed_*},
   * {@code chunked_read_timeout}, {@code management_allowed_origins}, and the registration policy from
   * {@code allowed_urls}, {@code allow_custom_code} and {@code model_store}), serving {@code endpoints}. Token
   * authorization is the host's to add ({@link Builder#tokenAuthorization}).
   */
  public static ApiConfig from(ServingConfig config, Endpoints endpoints) {
    return from(config, endpoints, bodyBudget(config));
  }

  /**
   * The API settings of {@code config} for a listener serving {@code endpoints}, sharing {@code budget} with the
   * server's other listeners (see {@link #bodyBudget(ServingConfig)}).
   */
  public static ApiConfig from(ServingConfig config, Endpoints endpoints, BodyBudget budget) {
    return builder(config, endpoints, budget).build();
  }

  /**
   * As {@link #from(ServingConfig, Endpoints, BodyBudget)}, requiring {@code tokens} when not null (the standalone
   * server's token authorization, shared by its listeners).
   */
  public static ApiConfig from(ServingConfig config, Endpoints endpoints, BodyBudget budget, TokenAuthorization tokens) {
    return builder(config, endpoints, budget).tokenAuthorization(tokens).build();
  }

  /** A builder holding {@link #from(ServingConfig, Endpoints, BodyBudget)}'s settings, to add what a configuration cannot say. */
  public static Builder builder(ServingConfig config, Endpoints endpoints, BodyBudget budget) {
    RegistrationPolicy.Builder policy = RegistrationPolicy.builder().allowedUrls(config.get(ServingConfig.ALLOWED_URLS));
    config.find(ServingConfig.ALLOW_CUSTOM_CODE).ifPresent(policy::customCode);
    config.find(ServingConfig.MODEL_STORE).ifPresent(policy::modelStore);
    String origins = config.get(ServingConfig.MANAGEMENT_ALLOWED_ORIGINS);
    return builder()
        .registrationPolicy(policy.build())
        .managementAllowedOrigins(origins == null ? List.of() : List.of(origins.split(",")))
        .endpoints(endpoints)
        .maxRequestSize(config.get(ServingConfig.MAX_REQUEST_SIZE))
        .corsAllowedOrigin(config.get(ServingConfig.CORS_ALLOWED_ORIGIN))
        .corsAllowedMethods(config.get(ServingConfig.CORS_ALLOWED_METHODS))
        .corsAllowedHeaders(config.get(ServingConfig.CORS_ALLOWED_HEADERS))
        .chunkReadTimeout(config.get(ServingConfig.CHUNKED_READ_TIMEOUT))
        .requestBodyTimeout(config.get(ServingConfig.REQUEST_BODY_TIMEOUT))
        .requestHeaderTimeout(config.get(ServingConfig.REQUEST_HEADER_TIMEOUT))
        .errorRateLimits(config)
        .bodyBudget(budget);
  }

  /**
   * A new body budget as {@code config} sizes it: {@code max_request_bytes_in_flight}, else
   * {@link BodyBudget#forHeap}.
   */
  public static BodyBudget bodyBudget(ServingConfig config) {
    return config
        .find(ServingConfig.MAX_REQUEST_BYTES_IN_FLIGHT)
        .map(BodyBudget::new)
        .orElseGet(() -> BodyBudget.forHeap(config.get(ServingConfig.MAX_REQUEST_SIZE)));
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

  /** The keys requests must carry, if token authorization is on. */
  public Optional<TokenAuthorization> tokenAuthorization() {
    return Optional.ofNullable(tokenAuthorization);
  }

  /**
   * The origins ({@code scheme://host[:port]}) whose requests the management API accepts; a management request
   * carrying any other {@code Origin} header is refused with 403. Empty by default: browsers' cross-origin calls are
   * all refused. CORS headers are never added to management answers.
   */
  public List<String> managementAllowedOrigins() {
    return managementAllowedOrigins;
  }

  /**
   * What a model registered over the management API may fetch and run (default: {@link
   * RegistrationPolicy#builder()} as built, i.e. {@code file:} URLs nowhere until a model store or
   * {@code allowed_urls} is set, {@code http(s)} to public hosts, custom code only from a request with the
   * management key or from a loopback address).
   */
  public RegistrationPolicy registrationPolicy() {
    return registrationPolicy;
  }

  /** How many results of {@code x-synchronous: false} requests are kept at most (the oldest go first). */
  public int asyncResultCapacity() {
    return asyncResultCapacity;
  }

  /** How long the result of an {@code x-synchronous: false} request is kept after the request. */
  public Duration asyncResultTtl() {
    return asyncResultTtl;
  }

  /** The {@code error_rate_*} limits {@code /ping} honours, by setting; empty when none is set (the default). */
  public Map<ServingConfig.Setting<ErrorRateLimit>, ErrorRateLimit> errorRateLimits() {
    return errorRateLimits;
  }

  /** What {@code POST /server/logging} uses to change log levels, if given; without it that endpoint is not served. */
  public Optional<LogLevels> logLevels() {
    return Optional.ofNullable(logLevels);
  }

  /**
   * The memory all request bodies being received or served may hold at once; adapters reserve from it as bytes
   * arrive and answer 503 when a piece does not fit.
   */
  public BodyBudget bodyBudget() {
    return bodyBudget;
  }

  /**
   * How long a client may take to send a request's line and headers, from its first byte (and how long a
   * connection may wait idle for its next request). Applied by whoever opens the listener: the standalone
   * server sets Undertow's {@code REQUEST_PARSE_TIMEOUT} and {@code NO_REQUEST_TIMEOUT} from it; in a servlet
   * container the container's own connector timeout governs.
   */
  public Duration requestHeaderTimeout() {
    return requestHeaderTimeout;
  }

  /**
   * How long a request body may go without a byte arriving; the adapter then answers 408 naming this timeout
   * and closes the connection.
   */
  public Duration requestBodyTimeout() {
    return requestBodyTimeout;
  }

  /**
   * The embedding server's own part of server readiness ({@code GET /v2/health/ready}, gRPC {@code ServerReady}):
   * ready means every startup model is READY and this says true. Always true unless set.
   */
  public BooleanSupplier takingTraffic() {
    return takingTraffic;
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
        + ", tokenAuthorization="
        + (tokenAuthorization != null)
        + ", managementAllowedOrigins="
        + managementAllowedOrigins
        + ", registrationPolicy="
        + registrationPolicy
        + ", bodyBudget="
        + bodyBudget.capacity()
        + ", requestHeaderTimeout="
        + requestHeaderTimeout
        + ", requestBodyTimeout="
        + requestBodyTimeout
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
    private TokenAuthorization tokenAuthorization;
    private List<String> managementAllowedOrigins = List.of();
    private RegistrationPolicy registrationPolicy = RegistrationPolicy.builder().build();
    private LogLevels logLevels;
    private int asyncResultCapacity = 1000;
    private Duration asyncResultTtl = Duration.ofMinutes(10);
    private final Map<ServingConfig.Setting<ErrorRateLimit>, ErrorRateLimit> errorRateLimits = new LinkedHashMap<>();
    private BodyBudget bodyBudget;
    private Duration requestHeaderTimeout = DEFAULT_REQUEST_HEADER_TIMEOUT;
    private BooleanSupplier takingTraffic = () -> true;
    private Duration requestBodyTimeout = DEFAULT_REQUEST_BODY_TIMEOUT;

    private Builder() {}

    /** Requires these keys on every request but {@code /ping} and metrics; null turns token authorization off. */
    public Builder tokenAuthorization(TokenAuthorization tokens) {
      this.tokenAuthorization = tokens;
      return this;
    }

    /**
     * Makes {@code /ping} answer 503 while more than {@code limit.errors()} inference answers of the kind
     * {@code setting} counts failed within {@code limit.window()} ({@link ServingConfig#ERROR_RATE_ANY},
     * {@code _MODEL}, {@code _WORKER}, {@code _WLM}, {@code _SERVER}); a null limit removes it.
     */
    public Builder errorRateLimit(ServingConfig.Setting<ErrorRateLimit> setting, ErrorRateLimit limit) {
      if (!ErrorRates.counts(setting)) {
        throw new IllegalArgumentException("not an error_rate_* setting: " + setting.key());
      }
      if (limit == null) {
        errorRateLimits.remove(setting);
      } else {
        errorRateLimits.put(setting, limit);
      }
      return this;
    }

    private Builder errorRateLimits(ServingConfig config) {
      for (ServingConfig.Setting<ErrorRateLimit> s : ErrorRates.SETTINGS) {
        config.find(s).ifPresent(limit -> errorRateLimit(s, limit));
      }
      return this;
    }

    /**
     * Keeps at most {@code capacity} results of asynchronous requests ({@code x-synchronous: false}), each for at
     * most {@code ttl} after its request (defaults 1000 and 10 minutes); older ones answer 400 "Invalid
     * x-starting-token".
     */
    public Builder asyncResults(int capacity, Duration ttl) {
      if (capacity < 1) {
        throw new IllegalArgumentException("asyncResults capacity must be at least 1, got " + capacity);
      }
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("asyncResults ttl must be positive, got " + ttl);
      }
      this.asyncResultCapacity = capacity;
      this.asyncResultTtl = ttl;
      return this;
    }

    /**
     * Origins ({@code scheme://host[:port]}, compared ignoring case) allowed to call the management API; other
     * {@code Origin}s are refused with 403.
     */
    public Builder managementAllowedOrigins(List<String> origins) {
      Objects.requireNonNull(origins, "managementAllowedOrigins");
      List<String> list = new ArrayList<>();
      for (String o : origins) {
        String s = Objects.requireNonNull(o, "origin").strip();
        if (s.equals("*")) {
          throw new IllegalArgumentException(
              "managementAllowedOrigins: '*' is not accepted; list each origin allowed to manage models");
        }
        if (!s.isEmpty()) {
          list.add(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        }
      }
      this.managementAllowedOrigins = List.copyOf(list);
      return this;
    }

    /** What models registered over the management API may fetch and run. */
    public Builder registrationPolicy(RegistrationPolicy policy) {
      this.registrationPolicy = Objects.requireNonNull(policy, "registrationPolicy");
      return this;
    }

    /**
     * Serves {@code POST /server/logging?level=...} (management group) by calling {@code levels}; the caller owns
     * the logging backend. Without it, that endpoint answers 404.
     */
    public Builder logLevels(LogLevels levels) {
      this.logLevels = Objects.requireNonNull(levels, "logLevels");
      return this;
    }

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

    /**
     * The budget for request bodies in flight; pass the same instance to every listener's configuration to make
     * it server-wide (default: {@link BodyBudget#forHeap}, one per configuration).
     */
    public Builder bodyBudget(BodyBudget budget) {
      this.bodyBudget = Objects.requireNonNull(budget, "bodyBudget");
      return this;
    }

    /** How long a client may take to send a request's head, positive (default 30 s). */
    public Builder requestHeaderTimeout(Duration timeout) {
      this.requestHeaderTimeout = positive("requestHeaderTimeout", timeout);
      return this;
    }

    /** How long a request body may go without a byte arriving, positive (default 30 s). */
    public Builder requestBodyTimeout(Duration timeout) {
      this.requestBodyTimeout = positive("requestBodyTimeout", timeout);
      return this;
    }

    /**
     * The embedding server's own part of server readiness: while {@code takingTraffic} says false (the server is
     * draining before it stops, say), {@code /v2/health/ready} answers false whatever the models do. Called on
     * every readiness request: it must be cheap and must not block. Default: always true.
     */
    public Builder takingTraffic(BooleanSupplier takingTraffic) {
      this.takingTraffic = Objects.requireNonNull(takingTraffic, "takingTraffic");
      return this;
    }

    private static Duration positive(String name, Duration timeout) {
      Objects.requireNonNull(timeout, name);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + timeout);
      }
      return timeout;
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
