package io.servingkit.api;

import io.servingkit.ModelServer;
import io.servingkit.spi.DaemonThreads;
import java.util.Objects;
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
 * management — {@code GET|POST /models}, {@code GET|PUT|DELETE /models/{model}[/{version}]}; both —
 * {@code GET /metrics} and {@code GET /server/metrics} (Prometheus text). Every failure is answered with
 * {@code {"code","type","message"}} through one error table, and every response carries an
 * {@code x-request-id} (the client's, when it sent one) and no-cache headers.
 *
 * <p>Threading: {@link #handle} is safe to call from any number of threads and never blocks: predictions
 * complete on the model server's threads, and management calls that may block (register, scale,
 * unregister) run on {@link ApiConfig#managementExecutor()} or on a small pool this object owns, stopped by
 * {@link #close()}. The {@link ModelServer} is not closed by this class.
 */
public final class ServingApi implements AutoCloseable {

  private final ApiConfig config;
  private final ThreadPoolExecutor ownedExecutor;
  private final InferenceEndpoints inference;
  private final ManagementEndpoints management;

  /** Serves both endpoint groups with {@link ApiConfig#defaults()}. */
  public ServingApi(ModelServer server) {
    this(server, ApiConfig.defaults());
  }

  /** Serves {@code server} as {@code config} says. */
  public ServingApi(ModelServer server, ApiConfig config) {
    Objects.requireNonNull(server, "server");
    this.config = Objects.requireNonNull(config, "config");
    Executor executor;
    if (config.managementExecutor().isPresent()) {
      this.ownedExecutor = null;
      executor = config.managementExecutor().get();
    } else {
      this.ownedExecutor = newManagementPool();
      executor = ownedExecutor;
    }
    this.inference = new InferenceEndpoints(server);
    this.management = new ManagementEndpoints(server, executor);
  }

  /** The configuration this API answers with. */
  public ApiConfig config() {
    return config;
  }

  /**
   * Answers one request. The returned stage never completes exceptionally: failures become error
   * responses. While routing, the request's id and trace are in the MDC ({@link RequestIds}), so that the job it
   * queues carries them to the worker.
   */
  public CompletionStage<ApiResponse> handle(ApiRequest request) {
    Responses responses = new Responses(Responses.requestId(request), config);
    CompletionStage<ApiResponse> answer;
    try (RequestIds.Scope ignored =
        RequestIds.enter(responses.requestId(), request.header(RequestIds.TRACEPARENT_HEADER))) {
      answer = route(request, responses);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(responses.error(e));
    }
    return answer.exceptionally(responses::error);
  }

  /**
   * The 413 answer for a request whose body is over {@link ApiConfig#maxRequestSize()}, for adapters that
   * find out before reading the whole body; {@code request} needs only its method, path and headers.
   */
  public ApiResponse rejectTooLarge(ApiRequest request) {
    return new Responses(Responses.requestId(request), config)
        .error(new RequestTooLargeException(config.maxRequestSize()));
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

  private CompletionStage<ApiResponse> route(ApiRequest request, Responses responses) {
    if (request.bodyLength() > config.maxRequestSize()) {
      throw new RequestTooLargeException(config.maxRequestSize());
    }
    if (request.malformedQuery() != null) {
      throw new BadRequestException(request.malformedQuery());
    }
    String[] segments = request.path().split("/");
    if (segments.length < 2) {
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
          return management.route(request, responses, segments);
        }
        break;
      case "metrics":
        if (segments.length == 2) {
          requireGet(method);
          return done(inference.metrics(responses));
        }
        break;
      case "server":
        if (segments.length == 3 && "metrics".equals(segments[2])) {
          requireGet(method);
          return done(inference.metrics(responses));
        }
        break;
      default:
        break;
    }
    throw new ResourceNotFoundException();
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
   * Stops the management pool this API started (not an executor given in the config), waiting up to 10 s for
   * running calls. Requests handled afterwards fail their management calls. Idempotent.
   */
  @Override
  public void close() {
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
