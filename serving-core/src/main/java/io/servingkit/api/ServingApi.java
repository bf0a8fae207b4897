package io.servingkit.api;

import com.google.gson.JsonObject;
import io.micrometer.observation.ObservationRegistry;
import io.servingkit.ModelServer;
import io.servingkit.spi.DaemonThreads;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * DJL Serving's REST API over a {@link ModelServer}, independent of any HTTP library: an adapter turns each
 * HTTP request into an {@link ApiRequest}, calls {@link #handle}, and writes the {@link ApiResponse} back.
 *
 * <p>Endpoints (see {@link ApiConfig.Endpoints} for which are served): inference — {@code /ping},
 * {@code /predictions/{model}[/{version}]} (any method), {@code /invocations}, {@code /models/{model}/invoke};
 * management — {@code GET|POST /models}, {@code GET|PUT|DELETE /models/{model}[/{version}]}, {@code GET /workflows}
 * (every model listed as a one-model workflow, as DJL Serving does), {@code GET|PUT|DELETE
 * /workflows/{name}[/{version}]} (the same as under {@code /models}), {@code POST /server/logging?level=} (only with
 * {@link ApiConfig.Builder#logLevels}); both — {@code OPTIONS /} ({@code {}}), {@code GET /metrics} and
 * {@code GET /server/metrics} (Prometheus text); and, with the inference group, the Open Inference Protocol
 * ("KServe V2") under {@code /v2} with its binary tensor data extension (see {@link OpenInference}; its server
 * health, {@code /v2/health/live} and {@code /v2/health/ready}, on every listener, readiness including
 * {@link ApiConfig#takingTraffic()}), whose failures are answered {@code {"error": "..."}}. Every other failure is
 * answered with
 * {@code {"code","type","message"}} through one error table, and every response carries an
 * {@code x-request-id} (the client's, when it sent one) and no-cache headers. A prediction sent with
 * {@code x-synchronous: false} is answered at once with an {@code x-next-token}; {@code x-starting-token: <token>}
 * (with {@code x-max-items}) then fetches its result, or what a streamed result has produced so far, as DJL Serving's
 * pagination does; the results wait at most {@link ApiConfig#asyncResultTtl()}.
 *
 * <p>Threading: {@link #handle} is safe to call from any number of threads and never blocks: predictions
 * complete on the model server's threads, and management calls that may block (register, scale,
 * unregister) run on {@link ApiConfig#managementExecutor()} or on a small pool this object owns, stopped by
 * {@link #close()}. The {@link ModelServer} is not closed by this class.
 */
public final class ServingApi implements AutoCloseable {

  private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private final ApiConfig config;
  private final ObservationRegistry observations;
  private final ThreadPoolExecutor ownedExecutor;
  private final AsyncResults asyncResults;
  private final InferenceEndpoints inference;
  private final ManagementEndpoints management;
  private final OipRest oip;

  /** Serves both endpoint groups with {@link ApiConfig#defaults()}. */
  public ServingApi(ModelServer server) {
    this(server, ApiConfig.defaults());
  }

  /** Serves {@code server} as {@code config} says. */
  public ServingApi(ModelServer server, ApiConfig config) {
    Objects.requireNonNull(server, "server");
    this.config = Objects.requireNonNull(config, "config");
    this.observations = server.observationRegistry();
    Executor executor;
    if (config.managementExecutor().isPresent()) {
      this.ownedExecutor = null;
      executor = config.managementExecutor().get();
    } else {
      this.ownedExecutor = newManagementPool();
      executor = ownedExecutor;
    }
    this.asyncResults = new AsyncResults(config.asyncResultCapacity(), config.asyncResultTtl(), System::nanoTime);
    this.inference =
        new InferenceEndpoints(server, asyncResults, new ErrorRates(config.errorRateLimits(), System::nanoTime));
    this.management = new ManagementEndpoints(server, executor, config.registrationPolicy());
    this.oip = new OipRest(new OpenInference(server, config.takingTraffic()));
  }

  /** The configuration this API answers with. */
  public ApiConfig config() {
    return config;
  }

  /**
   * The server's observation registry ({@link ModelServer#observationRegistry()}). An adapter that calls
   * {@link #handle} on another thread than the one the request arrived on (after reading the body
   * asynchronously) takes the observation current on arrival (a web framework's server observation) and makes it
   * current again around {@link #handle}, so that the jobs' observations become its children.
   */
  public ObservationRegistry observationRegistry() {
    return observations;
  }

  /**
   * Answers one request. The returned stage never completes exceptionally: failures become error
   * responses. While routing, the request's id and trace are in the MDC ({@link RequestIds}), so that the job it
   * queues carries them to the worker.
   */
  public CompletionStage<ApiResponse> handle(ApiRequest request) {
    Access access = access(request);
    boolean management = access == Access.MANAGEMENT || access == Access.TOKEN;
    Responses responses = new Responses(Responses.requestId(request), config, !management);
    CompletionStage<ApiResponse> answer;
    try (RequestIds.Scope ignored =
        RequestIds.enter(responses.requestId(), request.header(RequestIds.TRACEPARENT_HEADER))) {
      if (management) {
        checkOrigin(request);
      }
      checkToken(access, request);
      answer = access == Access.TOKEN ? renewToken(request, responses) : route(request, responses, trusted(access, request));
    } catch (UnauthorizedException e) {
      ApiResponse refused = error(request, responses, e);
      Map<String, String> headers = new LinkedHashMap<>(refused.headers());
      headers.put("WWW-Authenticate", "Bearer");
      return CompletableFuture.completedFuture(
          ApiResponse.whole(refused.status(), refused.reason(), headers, refused.body()));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(error(request, responses, e));
    }
    return answer.exceptionally(e -> error(request, responses, e));
  }

  /** The error answer: the Open Inference Protocol's {@code {"error": "..."}} under {@code /v2}, else DJL's. */
  private static ApiResponse error(ApiRequest request, Responses responses, Throwable failure) {
    String path = request.path();
    boolean v2 = path.equals("/v2") || path.startsWith("/v2/");
    return v2 ? OipRest.error(responses, failure) : responses.error(failure);
  }

  /** Which key, if any, a request needs. */
  private enum Access {
    OPEN,
    INFERENCE,
    MANAGEMENT,
    TOKEN
  }

  private Access access(ApiRequest request) {
    String[] segments = request.path().split("/");
    if (segments.length < 2) {
      return Access.OPEN;
    }
    ApiConfig.Endpoints groups = config.endpoints();
    switch (segments[1]) {
      case "predictions":
      case "invocations":
        return groups.inference() ? Access.INFERENCE : Access.OPEN;
      case "models":
        if (groups.inference() && segments.length == 4 && "invoke".equals(segments[3])) {
          return Access.INFERENCE;
        }
        return groups.management() ? Access.MANAGEMENT : Access.OPEN;
      case "token":
        return groups.management() && segments.length == 2 ? Access.TOKEN : Access.OPEN;
      case "v2":
        // the Open Inference Protocol's models need the inference key; its health and server metadata, like
        // /ping, stay open so that probes and clients can find the server
        return groups.inference() && segments.length > 2 && "models".equals(segments[2])
            ? Access.INFERENCE
            : Access.OPEN;
      default:
        return Access.OPEN;
    }
  }

  /**
   * Whether the caller may register custom code under {@link io.servingkit.RegistrationPolicy.CustomCode#TRUSTED_CALLERS}:
   * a management request that passed token authorization, or one from a loopback address. Decided here, not in the
   * adapters, so that every adapter decides alike.
   */
  private boolean trusted(Access access, ApiRequest request) {
    return (access == Access.MANAGEMENT && config.tokenAuthorization().isPresent()) || request.fromLoopback();
  }

  /** Refuses a management request from a browser page of an origin that is not explicitly allowed. */
  private void checkOrigin(ApiRequest request) {
    List<String> origins = request.headers().get("Origin");
    if (origins == null) {
      return;
    }
    for (String origin : origins) {
      String o = origin.strip();
      boolean allowed = config.managementAllowedOrigins().stream().anyMatch(a -> a.equalsIgnoreCase(o));
      if (!allowed) {
        throw new ForbiddenException(
            "Origin "
                + Reasons.sanitize(o.length() > 100 ? o.substring(0, 100) + "..." : o)
                + " is not allowed to call the management API (management_allowed_origins)");
      }
    }
  }

  private void checkToken(Access access, ApiRequest request) {
    TokenAuthorization tokens = config.tokenAuthorization().orElse(null);
    if (tokens == null || access == Access.OPEN) {
      return;
    }
    TokenAuthorization.Scope scope =
        switch (access) {
          case INFERENCE -> TokenAuthorization.Scope.INFERENCE;
          case MANAGEMENT -> TokenAuthorization.Scope.MANAGEMENT;
          default -> TokenAuthorization.Scope.API;
        };
    if (!tokens.authorizes(scope, request.header("Authorization"))) {
      throw new UnauthorizedException(
          "Token Authorization failed. Token either incorrect, expired, or not provided correctly"
              + " (this call needs the "
              + scope.jsonName
              + " key of the key file, as 'Authorization: Bearer <key>')");
    }
  }

  /** {@code GET|POST /token?type=management|inference}, authorized by the API key: a fresh key of that type. */
  private CompletionStage<ApiResponse> renewToken(ApiRequest request, Responses responses) {
    TokenAuthorization tokens = config.tokenAuthorization().orElse(null);
    if (tokens == null) {
      throw new ResourceNotFoundException();
    }
    if (!"GET".equals(request.method()) && !"POST".equals(request.method())) {
      throw new MethodNotAllowedException();
    }
    String type = request.queryParameter("type");
    TokenAuthorization.Scope scope;
    if ("management".equals(type)) {
      scope = TokenAuthorization.Scope.MANAGEMENT;
    } else if ("inference".equals(type)) {
      scope = TokenAuthorization.Scope.INFERENCE;
    } else {
      throw new BadRequestException("Parameter type must be management or inference, got " + type);
    }
    return done(responses.json(200, tokens.renew(scope)));
  }

  /**
   * The 413 answer for a request whose body is over {@link ApiConfig#maxRequestSize()}, for adapters that
   * find out before reading the whole body; {@code request} needs only its method, path and headers.
   */
  public ApiResponse rejectTooLarge(ApiRequest request) {
    return error(request, new Responses(Responses.requestId(request), config),
        new RequestTooLargeException(config.maxRequestSize()));
  }

  /**
   * The 503 answer for a request whose body does not fit in the {@link ApiConfig#bodyBudget()}; {@code request}
   * needs only its method, path and headers.
   */
  public ApiResponse rejectOverBudget(ApiRequest request) {
    return error(request, new Responses(Responses.requestId(request), config),
        new BodyBudgetExceededException(config.bodyBudget().capacity()));
  }

  /**
   * The 408 answer for a request whose body stopped arriving for {@link ApiConfig#requestBodyTimeout()};
   * {@code request} needs only its method, path and headers.
   */
  public ApiResponse rejectStalledBody(ApiRequest request, long received) {
    return new Responses(Responses.requestId(request), config)
        .error(
            new RequestTimeoutException(
                "No request body bytes arrived for request_body_timeout="
                    + config.requestBodyTimeout().toSeconds()
                    + " s (after "
                    + received
                    + " bytes)"));
  }

  /**
   * The 400 answer for a request the adapter could not take apart (a malformed {@code %} escape, a bad request
   * line); {@code request} needs only its method, path and headers, and may be null when even those are not
   * known.
   */
  public ApiResponse rejectMalformed(ApiRequest request, String problem) {
    ApiRequest r = request != null ? request : ApiRequest.builder("GET", "/").build();
    return new Responses(Responses.requestId(r), config).error(new BadRequestException(problem));
  }

  /** The 503 answer for a request that arrives while the server shuts down. */
  public ApiResponse rejectShuttingDown(ApiRequest request) {
    return error(request, new Responses(Responses.requestId(request), config), new ServerShuttingDownException());
  }

  /**
   * The error answer for a failure the adapter met itself (its container timed the request out, a streamed
   * output broke before its first chunk), mapped through the same error table as every other failure;
   * {@code request} needs only its method, path and headers.
   */
  public ApiResponse failure(ApiRequest request, Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    return new Responses(Responses.requestId(request), config).error(failure);
  }

  private CompletionStage<ApiResponse> route(ApiRequest request, Responses responses, boolean trustedCaller) {
    if (request.bodyLength() > config.maxRequestSize()) {
      throw new RequestTooLargeException(config.maxRequestSize());
    }
    if (request.malformedQuery() != null) {
      throw new BadRequestException(request.malformedQuery());
    }
    String[] segments = request.path().split("/");
    if (segments.length < 2) {
      if ("OPTIONS".equals(request.method()) && (request.path().isEmpty() || "/".equals(request.path()))) {
        return done(responses.json(200, new JsonObject())); // DJL Serving answers OPTIONS / with {}
      }
      throw new ResourceNotFoundException();
    }
    ApiConfig.Endpoints groups = config.endpoints();
    String method = request.method();
    switch (segments[1]) {
      case "ping":
        if (groups.inference() && segments.length == 2) {
          return done(inference.ping(responses));
        }
        break;
      case "predictions":
        if (groups.inference() && segments.length >= 3 && segments.length <= 4) {
          String version = segments.length == 4 && !segments[3].isEmpty() ? segments[3] : null;
          return inference.predict(request, responses, segments[2], version);
        }
        break;
      case "invocations":
        if (groups.inference() && segments.length == 2) {
          return inference.invocations(request, responses);
        }
        break;
      case "models":
        if (groups.inference() && segments.length == 4 && "invoke".equals(segments[3])) {
          return inference.invoke(request, responses, segments[2]);
        }
        if (groups.management()) {
          return management.route(request, responses, segments, trustedCaller);
        }
        break;
      case "v2":
        // server health is the process's: answered on every listener
        if (groups.inference() || (segments.length == 4 && "health".equals(segments[2]))) {
          return oip.route(request, responses, segments);
        }
        break;
      case "metrics":
        if (segments.length == 2) {
          requireGet(method);
          return done(inference.metrics(responses));
        }
        break;
      case "workflows":
        if (groups.management()) {
          return management.routeWorkflows(request, responses, segments, trustedCaller);
        }
        break;
      case "server":
        if (segments.length == 3 && "metrics".equals(segments[2])) {
          requireGet(method);
          return done(inference.metrics(responses));
        }
        if (segments.length == 3 && "logging".equals(segments[2]) && groups.management()
            && config.logLevels().isPresent()) {
          return done(logging(request, responses, config.logLevels().get()));
        }
        break;
      default:
        break;
    }
    throw new ResourceNotFoundException();
  }

  /**
   * {@code POST /server/logging?level=trace} sets the serving loggers' level; without {@code level} it puts back
   * the levels they had before, as DJL Serving's endpoint does.
   */
  private static ApiResponse logging(ApiRequest request, Responses responses, LogLevels levels) {
    if (!"POST".equals(request.method())) {
      throw new MethodNotAllowedException();
    }
    String level = request.queryParameter("level");
    if (level == null || level.isBlank()) {
      levels.set(null);
      return responses.status(200, "Log level reset.");
    }
    String upper = level.strip().toUpperCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(upper)) {
      throw new BadRequestException("Invalid log level: " + level + " (expected one of trace, debug, info, warn, error, off)");
    }
    levels.set(upper);
    return responses.status(200, "Log level set to " + upper + ".");
  }

  private static void requireGet(String method) {
    if (!"GET".equals(method)) {
      throw new MethodNotAllowedException();
    }
  }

  private static CompletionStage<ApiResponse> done(ApiResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static ThreadPoolExecutor newManagementPool() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new DaemonThreads("servingkit-api-"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Forgets the results of asynchronous requests and stops the management pool this API started (not an executor
   * given in the config), waiting up to 10 s for running calls. Requests handled afterwards fail their management
   * calls. Idempotent.
   */
  @Override
  public void close() {
    asyncResults.close();
    if (ownedExecutor == null) {
      return;
    }
    ownedExecutor.shutdown();
    try {
      if (!ownedExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
        ownedExecutor.shutdownNow();
      }
    } catch (InterruptedException e) {
      ownedExecutor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
