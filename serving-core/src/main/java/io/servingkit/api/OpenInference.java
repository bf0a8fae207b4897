package io.servingkit.api;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.servingkit.BadInputException;
import io.servingkit.ModelDescription;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelServer;
import io.servingkit.ModelSignature;
import io.servingkit.ModelStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The Open Inference Protocol ("KServe V2") over a {@link ModelServer}, independent of the transport: the REST
 * endpoints of {@link ServingApi} ({@code /v2/...}) and the gRPC adapter both answer through this class.
 *
 * <p>Inference sends the request's tensors to the model through {@link ModelServer#predict} as one DJL
 * {@link Input} whose {@code data} is a DJL NDList with the tensors' names ({@code content-type} and {@code accept}
 * {@code tensor/ndlist}), so that queueing and batching apply as to any request. Inputs are matched to the model's
 * declared inputs ({@link ModelServer#signature}) by name, else by position when the counts agree. The model's
 * answer is read back as an NDList (labelled {@code tensor/ndlist}, or unlabelled and starting like one, as a Python
 * handler's {@code add_as_numpy} writes it); an answer in any other type becomes one {@code BYTES} output holding
 * its body.
 *
 * <p>Parameters: the request's {@code parameters} become {@link Input} properties of the same names, each input's
 * {@code parameters} properties {@code <input name>.<parameter>}, values as text; the binary extension's own
 * ({@code binary_data_output}, {@code binary_data_size}, {@code binary_data}) stay with the transport, and
 * {@code content-type} / {@code accept} are always {@code tensor/ndlist}. A Java-mode translator reads them with
 * {@code input.getProperty(...)}, a Python handler with {@code inputs.get_properties()} / {@code get_property}.
 *
 * <p>Health: {@link #live()} is true while the process serves, whatever the models do; {@link #ready()} is true
 * when the embedding server takes traffic and every model version registered before this object was made is READY (models registered later do not make
 * the server unready).
 *
 * <p>Threading: safe for any number of threads; {@link #infer} never blocks.
 */
public final class OpenInference {

  /** The extension name of the binary tensor data extension, listed in the server metadata. */
  public static final String BINARY_TENSOR_DATA = "binary_tensor_data";

  /**
   * The server metadata.
   *
   * @param name the server's name ({@code servingkit})
   * @param version the server's version
   * @param extensions the protocol extensions served
   */
  public record ServerMetadata(String name, String version, List<String> extensions) {}

  /**
   * A model's metadata.
   *
   * @param name the model name
   * @param versions the registered versions (empty when the model has none)
   * @param platform the platform string ({@code onnx_onnxv1}, {@code pytorch_torchscript}, ...)
   * @param inputs the inputs as far as known
   * @param outputs the outputs as far as known
   */
  public record ModelMetadata(
      String name, List<String> versions, String platform, List<ModelSignature.Tensor> inputs,
      List<ModelSignature.Tensor> outputs) {}

  /**
   * An inference request.
   *
   * @param id the request id to echo, or null
   * @param inputs the input tensors
   * @param outputs the names of the outputs wanted, in the order wanted; empty for all of them
   * @param parameters the request's {@code parameters}, each value as text (a string as is, a number or boolean as
   *     written); they reach the model as {@link Input} properties of the same name
   * @param inputParameters each input's {@code parameters} by input name (as the client named it), values as text;
   *     they reach the model as {@link Input} properties {@code <input>.<parameter>}
   */
  public record InferRequest(
      String id, List<InferTensor> inputs, List<String> outputs, Map<String, String> parameters,
      Map<String, Map<String, String>> inputParameters) {
    /** Checks and copies the lists and maps. */
    public InferRequest {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
      parameters = Map.copyOf(parameters);
      Map<String, Map<String, String>> copy = new HashMap<>();
      inputParameters.forEach((name, values) -> copy.put(name, Map.copyOf(values)));
      inputParameters = Map.copyOf(copy);
    }

    /** A request without parameters. */
    public InferRequest(String id, List<InferTensor> inputs, List<String> outputs) {
      this(id, inputs, outputs, Map.of(), Map.of());
    }
  }

  /**
   * An inference result.
   *
   * @param modelName the model that answered
   * @param modelVersion the version asked for, or null when the request named none
   * @param id the request's id, or null
   * @param outputs the output tensors
   */
  public record InferResult(String modelName, String modelVersion, String id, List<InferTensor> outputs) {}

  private record Key(String name, String version) {}

  private static final String VERSION =
      Objects.requireNonNullElse(OpenInference.class.getPackage().getImplementationVersion(), "0.1.0");

  private final ModelServer server;
  private final BooleanSupplier takingTraffic;
  private final Set<Key> startupModels = new HashSet<>();

  /** Serves {@code server}; the models registered now are the ones {@link #ready()} waits for. */
  public OpenInference(ModelServer server) {
    this(server, () -> true);
  }

  /**
   * Serves {@code server}; the models registered now are the ones {@link #ready()} waits for, and
   * {@code takingTraffic} is the embedding server's own part of readiness (false while it drains, say; see
   * {@link ApiConfig#takingTraffic()}).
   */
  public OpenInference(ModelServer server, BooleanSupplier takingTraffic) {
    this.server = Objects.requireNonNull(server, "server");
    this.takingTraffic = Objects.requireNonNull(takingTraffic, "takingTraffic");
    for (ModelDescription d : server.list()) {
      startupModels.add(new Key(d.modelName(), d.version()));
    }
  }

  /** Whether the server is live: always true while it answers. */
  public boolean live() {
    return true;
  }

  /**
   * Whether the server is ready: the embedding server takes traffic (not draining) and every model version
   * registered at start (and still registered) is READY.
   */
  public boolean ready() {
    if (!takingTraffic.getAsBoolean()) {
      return false;
    }
    for (ModelDescription d : server.list()) {
      if (startupModels.contains(new Key(d.modelName(), d.version())) && d.status() != ModelStatus.READY) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a model version ({@code version} null: any version) is READY.
   *
   * @throws ModelNotFoundException when the model or version is not registered
   */
  public boolean modelReady(String name, String version) {
    List<ModelDescription> found = server.describe(name, version);
    if (found.isEmpty()) {
      throw new ModelNotFoundException("Model or workflow not found: " + name);
    }
    for (ModelDescription d : found) {
      if (d.status() == ModelStatus.READY) {
        return true;
      }
    }
    return false;
  }

  /** The server metadata. */
  public ServerMetadata serverMetadata() {
    return new ServerMetadata("servingkit", VERSION, List.of(BINARY_TENSOR_DATA));
  }

  /**
   * A model's metadata.
   *
   * @throws ModelNotFoundException when the model or version is not registered
   */
  public ModelMetadata modelMetadata(String name, String version) {
    List<ModelDescription> all = server.describe(name, null);
    List<String> versions = new ArrayList<>();
    for (ModelDescription d : all) {
      if (d.version() != null) {
        versions.add(d.version());
      }
    }
    List<ModelDescription> chosen = version == null ? all : server.describe(name, version);
    if (chosen.isEmpty()) {
      throw new ModelNotFoundException("Model or workflow not found: " + name);
    }
    ModelDescription d = chosen.get(chosen.size() - 1);
    ModelSignature signature = server.signature(name, version);
    return new ModelMetadata(name, versions, platform(d.engine()), signature.inputs(), signature.outputs());
  }

  /** The protocol's platform string for an engine. */
  static String platform(String engine) {
    if (engine == null) {
      return "";
    }
    return switch (engine) {
      case "OnnxRuntime" -> "onnx_onnxv1";
      case "PyTorch" -> "pytorch_torchscript";
      case "TensorFlow" -> "tensorflow_savedmodel";
      case "MXNet" -> "mxnet_mxnet";
      case "PaddlePaddle" -> "paddle_paddle";
      case "Python" -> "python";
      default -> engine.toLowerCase(java.util.Locale.ROOT);
    };
  }

  /**
   * Runs an inference. Never blocks; the future fails with a {@link io.servingkit.ServingException}
   * ({@link BadInputException} for a request that does not fit the model, {@link ModelNotFoundException}, ...):
   * {@link #httpStatus} and {@link #message} say how to answer it.
   */
  public CompletableFuture<InferResult> infer(String model, String version, InferRequest request) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(request, "request");
    ModelSignature signature;
    List<InferTensor> inputs;
    Input input;
    try {
      signature = server.signature(model, version);
      inputs = match(model, signature.inputs(), request.inputs());
      input = toInput(inputs, request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<String> outputNames = new ArrayList<>();
    for (ModelSignature.Tensor t : signature.outputs()) {
      outputNames.add(t.name());
    }
    return server
        .predict(model, version, input)
        .thenApply(out -> new InferResult(model, version, request.id(), select(model, outputs(out, outputNames), request.outputs())));
  }

  /** The DJL input the model gets: the tensors as one named NDList, the parameters as properties. */
  private static Input toInput(List<InferTensor> tensors, InferRequest request) {
    Input input = new Input();
    input.add("data", NdListTensors.encode(tensors));
    request.parameters().forEach(input::addProperty);
    request.inputParameters().forEach((name, values) -> values.forEach((k, v) -> input.addProperty(name + "." + k, v)));
    input.addProperty("content-type", NdListTensors.MEDIA_TYPE);
    input.addProperty("accept", NdListTensors.MEDIA_TYPE);
    return input;
  }

  /** The request's inputs in the order the model declares them. */
  static List<InferTensor> match(String model, List<ModelSignature.Tensor> declared, List<InferTensor> given) {
    if (given.isEmpty()) {
      throw new BadInputException("the request has no inputs");
    }
    Map<String, InferTensor> byName = new HashMap<>();
    for (InferTensor t : given) {
      if (byName.put(t.name(), t) != null) {
        throw new BadInputException("input " + t.name() + " appears twice");
      }
    }
    if (declared.isEmpty()) {
      return given;
    }
    boolean allKnown = true;
    for (InferTensor t : given) {
      allKnown &= declared.stream().anyMatch(d -> d.name().equals(t.name()));
    }
    List<InferTensor> ordered = new ArrayList<>(declared.size());
    if (allKnown) {
      List<String> missing = new ArrayList<>();
      for (ModelSignature.Tensor d : declared) {
        InferTensor t = byName.get(d.name());
        if (t == null) {
          missing.add(d.name());
        } else {
          ordered.add(checkType(model, d, t));
        }
      }
      if (!missing.isEmpty()) {
        throw new BadInputException("model " + model + " needs inputs " + names(declared) + "; missing " + missing);
      }
      return ordered;
    }
    if (given.size() != declared.size()) {
      List<String> sent = new ArrayList<>();
      given.forEach(t -> sent.add(t.name()));
      throw new BadInputException("model " + model + " takes inputs " + names(declared) + ", not " + sent);
    }
    for (int i = 0; i < given.size(); i++) {
      ordered.add(checkType(model, declared.get(i), given.get(i)).withName(declared.get(i).name()));
    }
    return ordered;
  }

  private static InferTensor checkType(String model, ModelSignature.Tensor declared, InferTensor given) {
    if (!declared.datatype().equals(given.datatype())) {
      throw new BadInputException(
          "input " + given.name() + " is " + given.datatype() + ", but model " + model + " takes "
              + declared.datatype() + " for " + declared.name());
    }
    return given;
  }

  private static List<String> names(List<ModelSignature.Tensor> tensors) {
    List<String> names = new ArrayList<>(tensors.size());
    tensors.forEach(t -> names.add(t.name()));
    return names;
  }

  /** The model's answer as tensors. */
  static List<InferTensor> outputs(Output out, List<String> names) {
    int code = out.getCode();
    BytesSupplier data = out.getData();
    if (code >= 300) {
      String message = out.getMessage();
      if (data != null) {
        String body = data.getAsString();
        try {
          JsonElement e = JsonParser.parseString(body);
          if (e.isJsonObject() && e.getAsJsonObject().has("message")) {
            message = e.getAsJsonObject().get("message").getAsString();
          }
        } catch (RuntimeException ignored) {
          message = body.isBlank() ? message : body;
        }
      }
      if (code < 500) {
        throw new BadInputException(message);
      }
      throw new IllegalStateException("the model answered " + code + ": " + message);
    }
    if (data == null) {
      return List.of();
    }
    ByteBuffer bytes = data.toByteBuffer();
    String type = contentType(out);
    if (NdListTensors.MEDIA_TYPE.equalsIgnoreCase(type) || (type == null && NdListTensors.looksLikeNdList(bytes))) {
      try {
        return NdListTensors.decode(bytes, names);
      } catch (RuntimeException e) {
        if (e instanceof BadInputException) {
          throw new IllegalStateException("the model answered a malformed NDList: " + e.getMessage(), e);
        }
        throw new IllegalStateException("the model answered a malformed NDList: " + e, e);
      }
    }
    ByteBuffer element = ByteBuffer.allocate(4 + bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    element.putInt(bytes.remaining()).put(bytes.duplicate()).flip();
    String name = names.size() == 1 ? names.get(0) : "output0";
    return List.of(InferTensor.of(name, "BYTES", new long[] {1}, element));
  }

  private static String contentType(Output out) {
    for (Map.Entry<String, String> e : out.getProperties().entrySet()) {
      if ("content-type".equalsIgnoreCase(e.getKey())) {
        String v = e.getValue();
        int semi = v.indexOf(';');
        return (semi < 0 ? v : v.substring(0, semi)).strip();
      }
    }
    return null;
  }

  private static List<InferTensor> select(String model, List<InferTensor> all, List<String> wanted) {
    if (wanted.isEmpty()) {
      return all;
    }
    List<InferTensor> chosen = new ArrayList<>(wanted.size());
    for (String name : wanted) {
      InferTensor found = null;
      for (InferTensor t : all) {
        if (t.name().equals(name)) {
          found = t;
          break;
        }
      }
      if (found == null) {
        List<String> names = new ArrayList<>();
        all.forEach(t -> names.add(t.name()));
        throw new BadInputException("model " + model + " has no output " + name + " (its outputs: " + names + ")");
      }
      chosen.add(found);
    }
    return chosen;
  }

  /** The HTTP status that answers a failure (400 bad input, 404 unknown model, 503 not ready or full, ...). */
  public static int httpStatus(Throwable failure) {
    return ErrorTable.map(failure).status();
  }

  /** The message that explains a failure to the client. */
  public static String message(Throwable failure) {
    return ErrorTable.map(failure).message();
  }
}
