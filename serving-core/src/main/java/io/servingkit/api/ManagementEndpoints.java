package io.servingkit.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.servingkit.ModelAlreadyExistsException;
import io.servingkit.ModelDescription;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.ModelStatus;
import io.servingkit.RegistrationPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/** {@code /models}: list, register, describe, scale and unregister. */
final class ManagementEndpoints {

  /** Register parameters that map onto serving.properties keys, with that key. */
  private static final Map<String, String> REGISTER_INT_KEYS = registerIntKeys();

  private static final List<String> REGISTER_PARAMS =
      List.of(
          "url", "model_name", "model_version", "engine", "device", "job_queue_size", "batch_size",
          "max_batch_delay", "max_idle_time", "min_worker", "max_worker", "synchronous");

  private final ModelServer server;
  private final Executor executor;
  private final RegistrationPolicy policy;
  /** name + NUL + version of the versions registered through this API: they were not loaded at startup. */
  private final Set<String> registeredHere = ConcurrentHashMap.newKeySet();

  ManagementEndpoints(ModelServer server, Executor executor, RegistrationPolicy policy) {
    this.server = server;
    this.executor = executor;
    this.policy = policy;
  }

  /** {@code trustedCaller}: see {@link RegistrationPolicy#forCaller}. */
  CompletionStage<ApiResponse> route(ApiRequest request, Responses responses, String[] segments, boolean trustedCaller) {
    String method = request.method();
    if (segments.length == 2) {
      switch (method) {
        case "GET":
          return done(list(request, responses));
        case "POST":
          return register(request, responses, policy.forCaller(trustedCaller));
        default:
          throw new MethodNotAllowedException();
      }
    }
    if (segments.length > 4) {
      throw new ResourceNotFoundException();
    }
    String name = segments[2];
    String version = segments.length == 4 && !segments[3].isEmpty() ? segments[3] : null;
    switch (method) {
      case "GET":
        return done(describe(responses, name, version));
      case "PUT":
        return scale(request, responses, name, version);
      case "DELETE":
        return unregister(responses, name, version);
      default:
        throw new MethodNotAllowedException();
    }
  }

  /**
   * {@code /workflows}: DJL Serving serves every model as a one-model workflow, so {@code GET /workflows} lists the
   * models as {@code {"workflows":[{"workflowName","version"?}],"nextPageToken"}} and
   * {@code /workflows/{name}[/{version}]} describes, scales and unregisters exactly as {@code /models/{name}} does.
   * Registering a workflow definition ({@code POST /workflows?url=} with a workflow JSON) is not supported.
   */
  CompletionStage<ApiResponse> routeWorkflows(
      ApiRequest request, Responses responses, String[] segments, boolean trustedCaller) {
    if (segments.length == 2) {
      switch (request.method()) {
        case "GET":
          return done(listWorkflows(request, responses));
        case "POST":
          throw new BadRequestException(
              "Workflow definitions are not supported; register each model with POST /models?url=");
        default:
          throw new MethodNotAllowedException();
      }
    }
    return route(request, responses, segments, trustedCaller);
  }

  /**
   * {@code GET /workflows?limit=&next_page_token=}: names sorted, paged like {@code /models}. DJL Serving always
   * sets {@code nextPageToken} here (to the index after the page, even on the last page), and its own tests expect
   * that, so this does the same.
   */
  private ApiResponse listWorkflows(ApiRequest request, Responses responses) {
    Map<String, List<ModelDescription>> byName = byName();
    List<String> names = new ArrayList<>(byName.keySet());
    int[] page = page(request, names.size());
    JsonArray workflows = new JsonArray();
    for (int i = page[0]; i < page[1]; i++) {
      for (ModelDescription d : byName.get(names.get(i))) {
        JsonObject o = new JsonObject();
        o.addProperty("workflowName", d.modelName());
        if (d.version() != null) {
          o.addProperty("version", d.version());
        }
        workflows.add(o);
      }
    }
    JsonObject body = new JsonObject();
    body.addProperty("nextPageToken", String.valueOf(page[1]));
    body.add("workflows", workflows);
    return responses.json(200, body);
  }

  private Map<String, List<ModelDescription>> byName() {
    Map<String, List<ModelDescription>> byName = new TreeMap<>();
    for (ModelDescription d : server.list()) {
      byName.computeIfAbsent(d.modelName(), k -> new ArrayList<>()).add(d);
    }
    return byName;
  }

  /** {@code [first, end)} of the page that {@code limit} (at most 100) and {@code next_page_token} ask for. */
  private static int[] page(ApiRequest request, int size) {
    int limit = intParam(request.queryParameter("limit"), 100);
    int start = intParam(request.queryParameter("next_page_token"), 0);
    if (limit > 100 || limit < 0) {
      limit = 100;
    }
    start = Math.min(Math.max(start, 0), size);
    int end = (int) Math.min((long) start + limit, size);
    return new int[] {start, end};
  }

  /** {@code GET /models?limit=&next_page_token=}: models sorted by name, paged by name. */
  private ApiResponse list(ApiRequest request, Responses responses) {
    Map<String, List<ModelDescription>> byName = byName();
    List<String> names = new ArrayList<>(byName.keySet());
    int[] page = page(request, names.size());
    int end = page[1];
    JsonArray models = new JsonArray();
    for (int i = page[0]; i < end; i++) {
      for (ModelDescription d : byName.get(names.get(i))) {
        models.add(JsonViews.listEntry(d));
      }
    }
    JsonObject body = new JsonObject();
    body.add("models", models);
    if (end < names.size()) {
      body.addProperty("nextPageToken", String.valueOf(end));
    }
    return responses.json(200, body);
  }

  /** {@code POST /models?url=...} (or the same names in a JSON body). */
  private CompletionStage<ApiResponse> register(ApiRequest request, Responses responses, RegistrationPolicy callerPolicy) {
    Map<String, String> params = registerParams(request);
    String url = params.get("url");
    if (url == null || url.isEmpty()) {
      throw new BadRequestException("Parameter url is required.");
    }
    ModelSpec spec = ModelSpec.parse("=" + url);
    String name = params.get("model_name");
    if (name != null && !name.isEmpty()) {
      spec = spec.withName(name);
    }
    String version = params.get("model_version");
    if (version != null && !version.isEmpty()) {
      spec = spec.withVersion(version);
    }
    String engine = params.get("engine");
    if (engine != null && !engine.isEmpty()) {
      spec = spec.with("engine", engine);
    }
    String device = params.get("device");
    if (device != null && !device.isEmpty()) {
      spec = spec.with("load_on_devices", device);
    }
    for (Map.Entry<String, String> e : REGISTER_INT_KEYS.entrySet()) {
      String value = params.get(e.getKey());
      if (value != null && !value.isEmpty()) {
        spec = spec.with(e.getValue(), String.valueOf(intParam(value, 0)));
      }
    }
    boolean synchronous = Boolean.parseBoolean(params.getOrDefault("synchronous", "true"));
    ModelSpec finalSpec = spec;
    String modelName = spec.name();
    String key = key(modelName, spec.version().orElse(null));
    // synchronous: register() waits for the load and keeps nothing when it fails, as DJL Serving does;
    // asynchronous: the model is listed as PENDING at once and stays FAILED if its load fails
    CompletableFuture<ModelDescription> registration =
        synchronous
            ? CompletableFuture.supplyAsync(() -> server.register(finalSpec, callerPolicy), executor)
            : CompletableFuture.supplyAsync(() -> server.registerAsync(finalSpec, callerPolicy), executor)
                .thenCompose(f -> refusedAtOnce(f, finalSpec) ? f : CompletableFuture.completedFuture((ModelDescription) null));
    return registration.handle(
        (d, failure) -> {
          if (failure != null) {
            Throwable t = ErrorTable.unwrap(failure);
            if (t instanceof ModelAlreadyExistsException) {
              return responses.error(
                  new ModelAlreadyExistsException("Workflow " + modelName + " is already registered."));
            }
            return responses.error(t);
          }
          registeredHere.add(key);
          if (synchronous) {
            return responses.status(200, "Model \"" + modelName + "\" registered.");
          }
          return responses.status(202, "Model \"" + modelName + "\" registration scheduled.");
        });
  }

  /**
   * Whether an asynchronous registration was refused before loading started (a duplicate, a closed server),
   * as opposed to a load that already failed and left the model listed as FAILED.
   */
  private boolean refusedAtOnce(CompletableFuture<ModelDescription> registration, ModelSpec spec) {
    if (!registration.isCompletedExceptionally()) {
      return false;
    }
    Throwable failure = registration.handle((d, t) -> t).join();
    if (ErrorTable.unwrap(failure) instanceof ModelAlreadyExistsException) {
      return true;
    }
    try {
      return server.describe(spec.name(), spec.version().orElse(null)).stream()
          .noneMatch(d -> d.status() == ModelStatus.FAILED);
    } catch (ModelNotFoundException e) {
      return true;
    }
  }

  private ApiResponse describe(Responses responses, String name, String version) {
    List<ModelDescription> found;
    try {
      found = server.describe(name, version);
    } catch (ModelNotFoundException e) {
      found = List.of();
    }
    if (found.isEmpty()) {
      throw new ModelNotFoundException("Workflow not found: " + name);
    }
    return responses.json(200, JsonViews.describe(found, (n, v) -> !registeredHere.contains(key(n, v))));
  }

  /** {@code PUT /models/{m}[/{v}]?min_worker=&max_worker=}. */
  private CompletionStage<ApiResponse> scale(
      ApiRequest request, Responses responses, String name, String version) {
    for (String fixed : List.of("batch_size", "max_batch_delay", "max_idle_time", "job_queue_size")) {
      if (request.queryParameter(fixed) != null) {
        throw new BadRequestException(
            "Parameter " + fixed + " cannot be changed on a registered model; unregister and register it again.");
      }
    }
    List<ModelDescription> found;
    try {
      found = server.describe(name, version);
    } catch (ModelNotFoundException e) {
      found = List.of();
    }
    if (found.isEmpty()) {
      throw new ModelNotFoundException("Model or workflow not found: " + name);
    }
    ModelDescription current = found.get(found.size() - 1);
    int currentMin = current.workerGroups().isEmpty() ? 1 : current.workerGroups().get(0).minWorkers();
    int currentMax = current.workerGroups().isEmpty() ? currentMin : current.workerGroups().get(0).maxWorkers();
    int min = intParam(request.queryParameter("min_worker"), currentMin);
    int max = intParam(request.queryParameter("max_worker"), Math.max(currentMax, min));
    if (request.queryParameter("max_worker") != null && max < min) {
      throw new BadRequestException("max_worker cannot be less than min_worker.");
    }
    if (min < 0) {
      throw new BadRequestException("min_worker cannot be negative.");
    }
    List<String> versions = version != null ? List.of(version) : found.stream().map(ModelDescription::version).toList();
    return CompletableFuture.runAsync(
            () -> {
              // like DJL Serving, a name without version scales every version
              for (String v : versions) {
                server.scale(name, v, min, max);
              }
            },
            executor)
        .handle(
            (d, failure) -> {
              if (failure != null) {
                Throwable t = ErrorTable.unwrap(failure);
                return responses.error(
                    t instanceof ModelNotFoundException
                        ? new ModelNotFoundException("Model or workflow not found: " + name)
                        : t);
              }
              return responses.status(
                  200,
                  "Workflow \""
                      + name
                      + "\" worker scaled. New Worker configuration min workers:"
                      + min
                      + " max workers:"
                      + max);
            });
  }

  private CompletionStage<ApiResponse> unregister(Responses responses, String name, String version) {
    return CompletableFuture.runAsync(
            () -> {
              if (version == null) {
                server.unregister(name); // every version, as DJL Serving does
              } else {
                server.unregister(name, version);
              }
            },
            executor)
        .handle(
            (v, failure) -> {
              if (failure != null) {
                Throwable t = ErrorTable.unwrap(failure);
                return responses.error(
                    t instanceof ModelNotFoundException
                        ? new ModelNotFoundException("Model or workflow not found: " + name)
                        : t);
              }
              if (version == null) {
                registeredHere.removeIf(k -> k.startsWith(name + '\0'));
              } else {
                registeredHere.remove(key(name, version));
              }
              return responses.status(200, "Model or workflow \"" + name + "\" unregistered");
            });
  }

  /** Query parameters, then the fields of a JSON object body for names the query did not give. */
  private static Map<String, String> registerParams(ApiRequest request) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String p : REGISTER_PARAMS) {
      String v = request.queryParameter(p);
      if (v != null) {
        params.put(p, v);
      }
    }
    if (request.bodyLength() == 0) {
      return params;
    }
    String mediaType = InputFactory.mediaType(request.header("Content-Type"));
    String text = StandardCharsets.UTF_8.decode(request.body()).toString();
    if ("application/x-www-form-urlencoded".equals(mediaType)) {
      ApiRequest.parseForm(
          text,
          (k, v) -> {
            requireRegisterParam(k);
            params.putIfAbsent(k, v);
          });
      return params;
    }
    if (mediaType != null && !mediaType.equals(Responses.JSON)) {
      throw new BadRequestException(
          "Register body must be application/json or application/x-www-form-urlencoded, got " + mediaType);
    }
    JsonElement json;
    try {
      json = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new BadRequestException("Register body is not valid JSON: " + e.getMessage(), e);
    }
    if (!json.isJsonObject()) {
      throw new BadRequestException("Register body must be a JSON object");
    }
    for (Map.Entry<String, JsonElement> e : json.getAsJsonObject().entrySet()) {
      requireRegisterParam(e.getKey());
      if (!e.getValue().isJsonPrimitive()) {
        throw new BadRequestException("Register parameter " + e.getKey() + " must be a string, number or boolean");
      }
      params.putIfAbsent(e.getKey(), e.getValue().getAsString());
    }
    return params;
  }

  private static void requireRegisterParam(String name) {
    if (!REGISTER_PARAMS.contains(name)) {
      throw new BadRequestException(
          "Unknown register parameter: " + name + " (expected one of " + String.join(", ", REGISTER_PARAMS) + ")");
    }
  }

  private static int intParam(String value, int defaultValue) {
    if (value == null || value.isEmpty()) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new BadRequestException("parameter is invalid number." + e.getMessage(), e);
    }
  }

  private static String key(String name, String version) {
    return name + '\0' + (version == null ? "" : version);
  }

  private static CompletionStage<ApiResponse> done(ApiResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static Map<String, String> registerIntKeys() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("job_queue_size", "job_queue_size");
    m.put("batch_size", "batch_size");
    m.put("max_batch_delay", "max_batch_delay");
    m.put("max_idle_time", "max_idle_time");
    m.put("min_worker", "minWorkers");
    m.put("max_worker", "maxWorkers");
    return Map.copyOf(m);
  }
}
