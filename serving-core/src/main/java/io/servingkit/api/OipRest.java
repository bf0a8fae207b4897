package io.servingkit.api;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.servingkit.BadInputException;
import io.servingkit.ModelSignature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Open Inference Protocol's REST endpoints under {@code /v2}, with the binary tensor data extension: parses
 * requests (JSON, or a JSON header of {@code Inference-Header-Content-Length} bytes followed by raw tensors),
 * answers through {@link OpenInference}, and writes the protocol's JSON (binary outputs after the JSON header when
 * asked). Every failure is answered {@code {"error": "..."}} with the status of the one error table.
 */
final class OipRest {

  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

  private final OpenInference oip;

  OipRest(OpenInference oip) {
    this.oip = oip;
  }

  /** Answers a request whose path starts with {@code /v2}; never fails. */
  CompletionStage<ApiResponse> route(ApiRequest request, Responses responses, String[] segments) {
    try {
      return dispatch(request, responses, segments).exceptionally(e -> error(responses, e));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(error(responses, e));
    }
  }

  private CompletionStage<ApiResponse> dispatch(ApiRequest request, Responses responses, String[] s) {
    String method = request.method();
    int n = s.length;
    if (n == 2) {
      requireGet(method);
      OpenInference.ServerMetadata m = oip.serverMetadata();
      JsonObject o = new JsonObject();
      o.addProperty("name", m.name());
      o.addProperty("version", m.version());
      JsonArray ext = new JsonArray();
      m.extensions().forEach(ext::add);
      o.add("extensions", ext);
      return done(responses.json(200, o));
    }
    if (n == 4 && "health".equals(s[2])) {
      requireGet(method);
      if ("live".equals(s[3])) {
        return done(flag(responses, "live", oip.live(), null));
      }
      if ("ready".equals(s[3])) {
        return done(flag(responses, "ready", oip.ready(), null));
      }
      throw new ResourceNotFoundException();
    }
    if (n >= 4 && "models".equals(s[2]) && !s[3].isEmpty()) {
      String model = s[3];
      String version = null;
      int rest = 4;
      if (n >= 6 && "versions".equals(s[4]) && !s[5].isEmpty()) {
        version = s[5];
        rest = 6;
      }
      if (n == rest) {
        requireGet(method);
        return done(responses.json(200, metadata(oip.modelMetadata(model, version))));
      }
      if (n == rest + 1 && "ready".equals(s[rest])) {
        requireGet(method);
        return done(flag(responses, "ready", oip.modelReady(model, version), model));
      }
      if (n == rest + 1 && "infer".equals(s[rest])) {
        if (!"POST".equals(method)) {
          throw new MethodNotAllowedException();
        }
        return infer(request, responses, model, version);
      }
    }
    throw new ResourceNotFoundException();
  }

  private static ApiResponse flag(Responses responses, String key, boolean value, String model) {
    JsonObject o = new JsonObject();
    if (model != null) {
      o.addProperty("name", model);
    }
    o.addProperty(key, value);
    return responses.json(value ? 200 : 400, o);
  }

  private static JsonObject metadata(OpenInference.ModelMetadata m) {
    JsonObject o = new JsonObject();
    o.addProperty("name", m.name());
    JsonArray versions = new JsonArray();
    m.versions().forEach(versions::add);
    o.add("versions", versions);
    o.addProperty("platform", m.platform());
    o.add("inputs", tensors(m.inputs()));
    o.add("outputs", tensors(m.outputs()));
    return o;
  }

  private static JsonArray tensors(List<ModelSignature.Tensor> list) {
    JsonArray a = new JsonArray();
    for (ModelSignature.Tensor t : list) {
      JsonObject o = new JsonObject();
      o.addProperty("name", t.name());
      o.addProperty("datatype", t.datatype());
      JsonArray shape = new JsonArray();
      t.shape().forEach(shape::add);
      o.add("shape", shape);
      a.add(o);
    }
    return a;
  }

  // ---------------------------------------------------------------- inference

  /** A parsed request: the protocol request plus what the response needs (parameters, binary choices). */
  record Parsed(OpenInference.InferRequest request, JsonObject parameters, Map<String, Boolean> binary, boolean binaryDefault) {}

  private CompletionStage<ApiResponse> infer(ApiRequest request, Responses responses, String model, String version) {
    Parsed parsed = parse(request.body(), request.header(HEADER_LENGTH));
    return oip.infer(model, version, parsed.request()).thenApply(result -> write(responses, result, parsed));
  }

  /**
   * Parses a request body.
   *
   * @param headerLength the {@code Inference-Header-Content-Length} header, or null
   * @throws BadInputException for anything malformed
   */
  static Parsed parse(ByteBuffer body, String headerLength) {
    int jsonLength = body.remaining();
    if (headerLength != null) {
      long declared;
      try {
        declared = Long.parseLong(headerLength.strip());
      } catch (NumberFormatException e) {
        throw new BadInputException(HEADER_LENGTH + " is not a number: " + headerLength);
      }
      if (declared <= 0 || declared > body.remaining()) {
        throw new BadInputException(
            HEADER_LENGTH + ": " + declared + " must be between 1 and the body's " + body.remaining()
                + " bytes (a body of raw tensor bytes without a JSON header is not supported)");
      }
      jsonLength = (int) declared;
    }
    ByteBuffer json = body.slice();
    json.limit(jsonLength);
    ByteBuffer tail = body.slice();
    tail.position(jsonLength);
    tail = tail.slice();
    byte[] jsonBytes;
    if (json.hasArray()) {
      jsonBytes = null;
    } else {
      jsonBytes = new byte[json.remaining()];
      json.duplicate().get(jsonBytes);
    }
    ByteArrayInputStream stream =
        jsonBytes != null
            ? new ByteArrayInputStream(jsonBytes)
            : new ByteArrayInputStream(json.array(), json.arrayOffset() + json.position(), json.remaining());
    JsonReader reader = new JsonReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    reader.setStrictness(Strictness.STRICT);
    try {
      return read(reader, tail);
    } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
      throw new BadInputException("malformed inference request JSON: " + e.getMessage());
    }
  }

  private static Parsed read(JsonReader reader, ByteBuffer tail) throws IOException {
    String id = null;
    JsonObject parameters = null;
    List<InferTensor> inputs = null;
    List<String> outputs = new ArrayList<>();
    Map<String, Map<String, String>> inputParameters = new HashMap<>();
    Map<String, Boolean> binary = new HashMap<>();
    if (reader.peek() != JsonToken.BEGIN_OBJECT) {
      throw new BadInputException("the inference request must be a JSON object");
    }
    reader.beginObject();
    while (reader.hasNext()) {
      String field = reader.nextName();
      switch (field) {
        case "id" -> id = string(reader, "id");
        case "parameters" -> parameters = object(reader, "parameters");
        case "inputs" -> {
          expect(reader, JsonToken.BEGIN_ARRAY, "inputs must be an array");
          inputs = new ArrayList<>();
          reader.beginArray();
          while (reader.hasNext()) {
            inputs.add(input(reader, tail, inputs.size(), inputParameters));
          }
          reader.endArray();
        }
        case "outputs" -> {
          expect(reader, JsonToken.BEGIN_ARRAY, "outputs must be an array");
          reader.beginArray();
          while (reader.hasNext()) {
            JsonObject o = object(reader, "each output");
            JsonElement name = o.get("name");
            if (name == null || !name.isJsonPrimitive() || !name.getAsJsonPrimitive().isString()) {
              throw new BadInputException("each requested output needs a string \"name\"");
            }
            outputs.add(name.getAsString());
            Boolean b = bool(o.get("parameters"), "binary_data");
            if (b != null) {
              binary.put(name.getAsString(), b);
            }
          }
          reader.endArray();
        }
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    if (reader.peek() != JsonToken.END_DOCUMENT) {
      throw new BadInputException("unexpected data after the inference request's JSON object");
    }
    if (inputs == null) {
      throw new BadInputException("the inference request has no \"inputs\"");
    }
    if (tail.hasRemaining()) {
      throw new BadInputException(
          tail.remaining() + " bytes of binary data follow the JSON header but no input's binary_data_size claims them");
    }
    Boolean binaryDefault = bool(parameters, "binary_data_output");
    return new Parsed(
        new OpenInference.InferRequest(id, inputs, outputs, texts(parameters, "binary_data_output"), inputParameters),
        parameters, binary, binaryDefault != null && binaryDefault);
  }

  /** Parameters as the model gets them: each value as text, the binary extension's own left out. */
  private static Map<String, String> texts(JsonObject parameters, String transportKey) {
    if (parameters == null) {
      return Map.of();
    }
    Map<String, String> texts = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : parameters.entrySet()) {
      if (e.getKey().equals(transportKey)) {
        continue;
      }
      JsonElement v = e.getValue();
      texts.put(e.getKey(), v.isJsonPrimitive() && v.getAsJsonPrimitive().isString() ? v.getAsString() : v.toString());
    }
    return texts;
  }

  private static InferTensor input(
      JsonReader reader, ByteBuffer tail, int index, Map<String, Map<String, String>> inputParameters)
      throws IOException {
    expect(reader, JsonToken.BEGIN_OBJECT, "input " + index + " must be an object");
    String name = null;
    String datatype = null;
    long[] shape = null;
    JsonObject parameters = null;
    JsonElement data = null;
    reader.beginObject();
    while (reader.hasNext()) {
      String field = reader.nextName();
      switch (field) {
        case "name" -> name = string(reader, "input name");
        case "datatype" -> datatype = string(reader, "input datatype");
        case "shape" -> shape = shape(reader, index);
        case "parameters" -> parameters = object(reader, "input parameters");
        case "data" -> data = ELEMENTS.read(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    if (name == null) {
      throw new BadInputException("input " + index + " has no \"name\"");
    }
    if (datatype == null) {
      throw new BadInputException("input " + name + " has no \"datatype\"");
    }
    if (shape == null) {
      throw new BadInputException("input " + name + " has no \"shape\"");
    }
    Map<String, String> given = texts(parameters, "binary_data_size");
    if (!given.isEmpty()) {
      inputParameters.put(name, given);
    }
    OipDatatype type = OipDatatype.of(datatype, name);
    long count = InferTensor.elementCount(name, shape);
    JsonElement size = parameters == null ? null : parameters.get("binary_data_size");
    if (size != null) {
      if (data != null) {
        throw new BadInputException("input " + name + " has both \"data\" and a binary_data_size parameter");
      }
      long bytes;
      try {
        bytes = size.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
      } catch (RuntimeException e) {
        throw new BadInputException("input " + name + ": binary_data_size is not an integer: " + size);
      }
      if (bytes < 0 || bytes > tail.remaining()) {
        throw new BadInputException(
            "input " + name + ": binary_data_size " + bytes + " but only " + tail.remaining()
                + " bytes of binary data remain after the JSON header");
      }
      ByteBuffer slice = tail.slice();
      slice.limit((int) bytes);
      tail.position(tail.position() + (int) bytes);
      return InferTensor.of(name, datatype, shape, slice);
    }
    return InferTensor.of(name, datatype, shape, OipJsonData.toBytes(name, type, shape, count, data));
  }

  private static long[] shape(JsonReader reader, int index) throws IOException {
    expect(reader, JsonToken.BEGIN_ARRAY, "the shape of input " + index + " must be an array of integers");
    List<Long> dims = new ArrayList<>();
    reader.beginArray();
    while (reader.hasNext()) {
      if (reader.peek() != JsonToken.NUMBER || dims.size() > InferTensor.MAX_RANK) {
        throw new BadInputException(
            "the shape of input " + index + " must be an array of at most " + InferTensor.MAX_RANK + " integers");
      }
      String text = reader.nextString();
      try {
        dims.add(Long.parseLong(text));
      } catch (NumberFormatException e) {
        throw new BadInputException("the shape of input " + index + " has a dimension that is not an integer: " + text);
      }
    }
    reader.endArray();
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i);
    }
    return shape;
  }

  private static String string(JsonReader reader, String what) throws IOException {
    if (reader.peek() != JsonToken.STRING) {
      throw new BadInputException(what + " must be a string");
    }
    return reader.nextString();
  }

  private static JsonObject object(JsonReader reader, String what) throws IOException {
    expect(reader, JsonToken.BEGIN_OBJECT, what + " must be a JSON object");
    return ELEMENTS.read(reader).getAsJsonObject();
  }

  private static void expect(JsonReader reader, JsonToken token, String message) throws IOException {
    if (reader.peek() != token) {
      throw new BadInputException(message);
    }
  }

  private static Boolean bool(JsonElement parameters, String key) {
    if (parameters == null || !parameters.isJsonObject()) {
      return null;
    }
    JsonElement v = parameters.getAsJsonObject().get(key);
    if (v == null) {
      return null;
    }
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
      throw new BadInputException("parameter " + key + " must be true or false, not " + v);
    }
    return v.getAsBoolean();
  }

  /** The response: JSON, or a JSON header followed by the outputs asked for in binary. */
  static ApiResponse write(Responses responses, OpenInference.InferResult result, Parsed parsed) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"model_name\":").append(new JsonPrimitive(result.modelName()));
    if (result.modelVersion() != null) {
      sb.append(",\"model_version\":").append(new JsonPrimitive(result.modelVersion()));
    }
    if (result.id() != null) {
      sb.append(",\"id\":").append(new JsonPrimitive(result.id()));
    }
    if (parsed.parameters() != null) {
      sb.append(",\"parameters\":").append(parsed.parameters());
    }
    sb.append(",\"outputs\":[");
    List<InferTensor> binaries = new ArrayList<>();
    List<InferTensor> outputs = result.outputs();
    for (int i = 0; i < outputs.size(); i++) {
      InferTensor t = outputs.get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"name\":").append(new JsonPrimitive(t.name()));
      sb.append(",\"datatype\":\"").append(t.datatype()).append("\",\"shape\":[");
      long[] shape = t.shapeView();
      for (int d = 0; d < shape.length; d++) {
        if (d > 0) {
          sb.append(',');
        }
        sb.append(shape[d]);
      }
      sb.append(']');
      boolean binary = parsed.binary().getOrDefault(t.name(), parsed.binaryDefault());
      if (binary) {
        sb.append(",\"parameters\":{\"binary_data_size\":").append(t.byteSize()).append("}}");
        binaries.add(t);
      } else {
        sb.append(",\"data\":");
        OipJsonData.appendJson(sb, t);
        sb.append('}');
      }
    }
    sb.append("]}");
    byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    if (binaries.isEmpty()) {
      headers.put("content-type", Responses.JSON);
      return responses.bytes(200, headers, ByteBuffer.wrap(json));
    }
    int total = json.length;
    for (InferTensor t : binaries) {
      total = Math.addExact(total, t.byteSize());
    }
    ByteBuffer body = ByteBuffer.allocate(total);
    body.put(json);
    for (InferTensor t : binaries) {
      body.put(t.data());
    }
    headers.put("content-type", "application/octet-stream");
    headers.put(HEADER_LENGTH, Integer.toString(json.length));
    return responses.bytes(200, headers, body.flip());
  }

  /** The protocol's error answer: {@code {"error": "..."}} with the status of the one error table. */
  static ApiResponse error(Responses responses, Throwable failure) {
    JsonObject o = new JsonObject();
    o.addProperty("error", OpenInference.message(failure));
    return responses.json(OpenInference.httpStatus(failure), o);
  }

  private static void requireGet(String method) {
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      throw new MethodNotAllowedException();
    }
  }

  private static CompletionStage<ApiResponse> done(ApiResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
