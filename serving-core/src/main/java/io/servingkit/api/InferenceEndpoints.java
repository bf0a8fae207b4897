package io.servingkit.api;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import com.google.gson.JsonObject;
import io.servingkit.ModelDescription;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelServer;
import io.servingkit.QueueFullException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code /ping}, {@code /predictions}, {@code /invocations}, {@code /models/{m}/invoke} and the metrics. */
final class InferenceEndpoints {

  private final ModelServer server;
  /** Per model name, the turn counter of {@link #nextVersion}; only models that had several versions are here. */
  private final Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();

  private final AsyncResults async;
  private final ErrorRates errorRates;

  InferenceEndpoints(ModelServer server, AsyncResults async, ErrorRates errorRates) {
    this.server = server;
    this.async = async;
    this.errorRates = errorRates;
  }

  /**
   * Per-model health; 500 when any model FAILED, else 503 while an {@code error_rate_*} limit is exceeded (DJL
   * Serving's error-rate health), else 200.
   */
  ApiResponse ping(Responses responses) {
    Map<String, String> health = new LinkedHashMap<>();
    for (ModelDescription d : server.list()) {
      String h = JsonViews.health(d);
      health.merge(d.modelName(), h, (a, b) -> JsonViews.severity(b) > JsonViews.severity(a) ? b : a);
    }
    JsonObject body = new JsonObject();
    boolean failed = false;
    for (Map.Entry<String, String> e : health.entrySet()) {
      JsonObject status = new JsonObject();
      status.addProperty("status", e.getValue());
      body.add(e.getKey(), status);
      failed |= "FAILED".equals(e.getValue());
    }
    int status = failed ? 500 : errorRates.exceeded().isEmpty() ? 200 : 503;
    return responses.json(status, body);
  }

  ApiResponse metrics(Responses responses) {
    return responses.text(200, "OK", Responses.PROMETHEUS, server.scrapeMetrics());
  }

  CompletionStage<ApiResponse> predict(
      ApiRequest request, Responses responses, String model, String version) {
    Input input = InputFactory.toInput(request);
    return run(request, responses, model, version, input);
  }

  CompletionStage<ApiResponse> invoke(ApiRequest request, Responses responses, String model) {
    Input input = InputFactory.toInput(request);
    String version = firstNonEmpty(request.queryParameter("model_version"), input.getProperty("model_version", null));
    return run(request, responses, model, version, input);
  }

  /** SageMaker-style: the model from {@code model_name} (query, header or form field), else the only one. */
  CompletionStage<ApiResponse> invocations(ApiRequest request, Responses responses) {
    Input input = InputFactory.toInput(request);
    String model = firstNonEmpty(request.queryParameter("model_name"), input.getProperty("model_name", null));
    if (model == null && input.getContent().contains("model_name")) {
      model = firstNonEmpty(input.getAsString("model_name"), null);
    }
    if (model == null) {
      Set<String> names = new LinkedHashSet<>();
      for (ModelDescription d : server.list()) {
        names.add(d.modelName());
      }
      if (names.size() != 1) {
        throw new BadRequestException("Parameter model_name is required.");
      }
      model = names.iterator().next();
    }
    String version = firstNonEmpty(request.queryParameter("model_version"), input.getProperty("model_version", null));
    return run(request, responses, model, version, input);
  }

  private CompletionStage<ApiResponse> run(
      ApiRequest request, Responses responses, String model, String version, Input input) {
    if ("OPTIONS".equals(request.method())) {
      requireModel(model, version);
      return CompletableFuture.completedFuture(responses.json(200, new JsonObject()));
    }
    String startingToken = AsyncResults.setting(request, AsyncResults.X_STARTING_TOKEN);
    if (startingToken != null) {
      return resultOf(request, responses, startingToken);
    }
    boolean synchronous = !"false".equalsIgnoreCase(AsyncResults.setting(request, AsyncResults.X_SYNCHRONOUS));
    CompletableFuture<Output> result;
    try {
      if (version == null) {
        version = nextVersion(model);
      }
      result = server.predict(model, version, input);
    } catch (RuntimeException e) {
      RuntimeException refused = predictFailure(e, model);
      errorRates.answered(ErrorTable.map(refused).status(), false);
      throw refused; // an unknown model is refused at once, with or without x-synchronous
    }
    if (!synchronous) {
      // DJL Serving's x-synchronous: false answers at once with the token to fetch the result with
      String token = async.start(result.handle((out, failure) -> {
        if (failure != null) {
          RuntimeException f = predictFailure(failure, model);
          errorRates.answered(ErrorTable.map(f).status(), false);
          throw f;
        }
        errorRates.answered(out.getCode(), true);
        return out;
      }));
      Output accepted = new Output();
      accepted.addProperty(AsyncResults.X_NEXT_TOKEN, token);
      accepted.addProperty(AsyncResults.CUSTOM_ATTRIBUTES, AsyncResults.X_NEXT_TOKEN + "=" + token);
      return CompletableFuture.completedFuture(responses.output(accepted));
    }
    return result.handle(
        (out, failure) -> {
          ApiResponse answer = failure == null ? responses.output(out) : responses.error(predictFailure(failure, model));
          errorRates.answered(answer.status(), failure == null);
          return answer;
        });
  }

  /** {@code x-starting-token}: the result of an asynchronous request, or what it has produced so far. */
  private CompletionStage<ApiResponse> resultOf(ApiRequest request, Responses responses, String token) {
    String maxItems = AsyncResults.setting(request, AsyncResults.X_MAX_ITEMS);
    int limit = Integer.MAX_VALUE;
    if (maxItems != null) {
      try {
        limit = Integer.parseInt(maxItems);
      } catch (NumberFormatException e) {
        throw new BadRequestException("Invalid " + AsyncResults.X_MAX_ITEMS + ": " + maxItems, e);
      }
      if (limit < 0) {
        limit = Integer.MAX_VALUE;
      }
    }
    CompletableFuture<Output> answer = async.poll(token, limit);
    if (answer == null) {
      throw new BadRequestException("Invalid " + AsyncResults.X_STARTING_TOKEN + ": " + token);
    }
    return answer.handle((out, failure) -> failure == null ? responses.output(out) : responses.error(failure));
  }

  /**
   * The version an unversioned request goes to: the registered versions in turn, oldest first, as DJL Serving's
   * endpoint does (its {@code Endpoint.next()}); null (the only version) when there is one.
   */
  private String nextVersion(String model) {
    List<String> versions = server.versions(model);
    if (versions.size() < 2) {
      return null;
    }
    AtomicInteger turn = turns.computeIfAbsent(model, k -> new AtomicInteger());
    return versions.get(Math.floorMod(turn.getAndIncrement(), versions.size()));
  }

  private void requireModel(String model, String version) {
    List<ModelDescription> found;
    try {
      found = server.describe(model, version);
    } catch (ModelNotFoundException e) {
      found = List.of();
    }
    if (found.isEmpty()) {
      throw new ModelNotFoundException("Model or workflow not found: " + model);
    }
  }

  /** Gives the two failures whose wording DJL Serving clients match on their exact messages. */
  private static RuntimeException predictFailure(Throwable failure, String model) {
    Throwable t = ErrorTable.unwrap(failure);
    if (t instanceof ModelNotFoundException) {
      return new ModelNotFoundException("Model or workflow not found: " + model);
    }
    if (t instanceof QueueFullException) {
      return new QueueFullException("Worker queue capacity exceeded for model: " + model);
    }
    return t instanceof RuntimeException r ? r : new IllegalStateException(t.getMessage(), t);
  }

  private static String firstNonEmpty(String a, String b) {
    if (a != null && !a.isEmpty()) {
      return a;
    }
    return b != null && !b.isEmpty() ? b : null;
  }
}
