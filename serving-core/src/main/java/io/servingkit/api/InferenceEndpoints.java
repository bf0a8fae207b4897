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

/** {@code /ping}, {@code /predictions}, {@code /invocations}, {@code /models/{m}/invoke} and the metrics. */
final class InferenceEndpoints {

  private final ModelServer server;

  InferenceEndpoints(ModelServer server) {
    this.server = server;
  }

  /** Per-model health; 500 when any model FAILED. */
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
    return responses.json(failed ? 500 : 200, body);
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
    CompletableFuture<Output> result;
    try {
      result = server.predict(model, version, input);
    } catch (RuntimeException e) {
      throw predictFailure(e, model);
    }
    return result.handle(
        (out, failure) -> failure == null ? responses.output(out) : responses.error(predictFailure(failure, model)));
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
