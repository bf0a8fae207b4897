package io.servingkit.api.conformance;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.api.InferTensor;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The protocol over REST with the JDK's HTTP client, written from the specification: JSON data (numbers as their
 * exact decimal text) or every tensor in binary (inputs with {@code binary_data_size}, outputs asked for with
 * {@code binary_data_output}).
 */
public final class RestOipClient implements OipClient {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final URI base;
  private final boolean binary;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();

  public RestOipClient(URI base, boolean binary) {
    this.base = base;
    this.binary = binary;
  }

  @Override
  public String describe() {
    return binary ? "REST binary" : "REST JSON";
  }

  @Override
  public Optional<URI> httpBase() {
    return Optional.of(base);
  }

  HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(WAIT)
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonObject getJson(String path, boolean flag) throws Exception {
    HttpResponse<byte[]> r = send("GET", path, null);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    if (flag && (r.statusCode() == 200 || r.statusCode() == 400) && !text.contains("\"error\"")) {
      JsonObject o = JsonParser.parseString(text).getAsJsonObject();
      o.addProperty("__status", r.statusCode());
      return o;
    }
    if (r.statusCode() != 200) {
      throw new Failure(r.statusCode(), errorOf(text));
    }
    return JsonParser.parseString(text).getAsJsonObject();
  }

  private static String errorOf(String text) {
    try {
      return JsonParser.parseString(text).getAsJsonObject().get("error").getAsString();
    } catch (RuntimeException e) {
      throw new AssertionError("a V2 error body must be {\"error\": \"...\"}, got: " + text, e);
    }
  }

  private boolean flag(String path, String key) throws Exception {
    JsonObject o = getJson(path, true);
    boolean value = o.get(key).getAsBoolean();
    // 200 means true, a 4xx means false: clients read the status
    if ((o.get("__status").getAsInt() == 200) != value) {
      throw new AssertionError(path + " answered " + o);
    }
    return value;
  }

  @Override
  public boolean live() throws Exception {
    return flag("/v2/health/live", "live");
  }

  @Override
  public boolean ready() throws Exception {
    return flag("/v2/health/ready", "ready");
  }

  @Override
  public boolean modelReady(String model, String version) throws Exception {
    return flag(modelPath(model, version) + "/ready", "ready");
  }

  @Override
  public JsonObject serverMetadata() throws Exception {
    return getJson("/v2", false);
  }

  @Override
  public JsonObject modelMetadata(String model, String version) throws Exception {
    return getJson(modelPath(model, version), false);
  }

  static String modelPath(String model, String version) {
    return "/v2/models/" + model + (version == null ? "" : "/versions/" + version);
  }

  @Override
  public Result infer(
      String model, String version, String id, List<InferTensor> inputs, List<String> outputs,
      Map<String, String> parameters, Map<String, Map<String, String>> inputParameters) throws Exception {
    JsonObject request = new JsonObject();
    if (id != null) {
      request.addProperty("id", id);
    }
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    StringBuilder json = new StringBuilder("{");
    if (id != null) {
      json.append("\"id\":\"").append(id).append("\",");
    }
    JsonObject requestParameters = strings(parameters);
    if (binary) {
      requestParameters.addProperty("binary_data_output", true);
    }
    if (requestParameters.size() > 0) {
      json.append("\"parameters\":").append(requestParameters).append(',');
    }
    json.append("\"inputs\":[");
    for (int i = 0; i < inputs.size(); i++) {
      InferTensor t = inputs.get(i);
      json.append(i > 0 ? "," : "").append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"")
          .append(t.datatype()).append("\",\"shape\":").append(shape(t.shape()));
      JsonObject own = strings(inputParameters.getOrDefault(t.name(), Map.of()));
      if (binary) {
        own.addProperty("binary_data_size", t.byteSize());
      }
      if (own.size() > 0) {
        json.append(",\"parameters\":").append(own);
      }
      if (binary) {
        json.append('}');
        byte[] b = new byte[t.byteSize()];
        t.data().get(b);
        tail.write(b);
      } else {
        json.append(",\"data\":").append(JsonData.toJson(t)).append('}');
      }
    }
    json.append(']');
    if (!outputs.isEmpty()) {
      json.append(",\"outputs\":[");
      for (int i = 0; i < outputs.size(); i++) {
        json.append(i > 0 ? "," : "").append("{\"name\":\"").append(outputs.get(i)).append("\"}");
      }
      json.append(']');
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> r;
    if (binary) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(header);
      tail.writeTo(body);
      r = send("POST", modelPath(model, version) + "/infer", body.toByteArray(),
          "Inference-Header-Content-Length", Integer.toString(header.length),
          "Content-Type", "application/octet-stream");
    } else {
      r = send("POST", modelPath(model, version) + "/infer", header, "Content-Type", "application/json");
    }
    return parseResult(r);
  }

  private static JsonObject strings(Map<String, String> values) {
    JsonObject o = new JsonObject();
    values.forEach(o::addProperty);
    return o;
  }

  /** Reads an inference response, JSON or JSON header plus binary outputs. */
  static Result parseResult(HttpResponse<byte[]> r) throws Failure {
    byte[] body = r.body();
    int jsonLength = r.headers().firstValue("Inference-Header-Content-Length").map(Integer::parseInt).orElse(body.length);
    String text = new String(body, 0, jsonLength, StandardCharsets.UTF_8);
    if (r.statusCode() != 200) {
      throw new Failure(r.statusCode(), errorOf(text));
    }
    JsonObject o = JsonParser.parseString(text).getAsJsonObject();
    int offset = jsonLength;
    List<InferTensor> outputs = new ArrayList<>();
    for (JsonElement e : o.getAsJsonArray("outputs")) {
      JsonObject t = e.getAsJsonObject();
      long[] shape = shape(t.getAsJsonArray("shape"));
      String datatype = t.get("datatype").getAsString();
      String name = t.get("name").getAsString();
      JsonObject params = t.getAsJsonObject("parameters");
      if (params != null && params.has("binary_data_size")) {
        int size = params.get("binary_data_size").getAsInt();
        outputs.add(InferTensor.of(name, datatype, shape, ByteBuffer.wrap(body, offset, size)));
        offset += size;
      } else {
        outputs.add(InferTensor.of(name, datatype, shape, JsonData.fromJson(datatype, t.getAsJsonArray("data"))));
      }
    }
    if (offset != body.length) {
      throw new AssertionError("binary response has " + (body.length - offset) + " unclaimed bytes");
    }
    return new Result(o.get("model_name").getAsString(), o.has("id") ? o.get("id").getAsString() : null, outputs);
  }

  static String shape(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      sb.append(i > 0 ? "," : "").append(shape[i]);
    }
    return sb.append(']').toString();
  }

  static long[] shape(JsonArray a) {
    long[] s = new long[a.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = a.get(i).getAsLong();
    }
    return s;
  }

  /** Flat JSON data from raw bytes and back, by the specification's rules; integers as exact decimal text. */
  static final class JsonData {
    private JsonData() {}

    static String toJson(InferTensor t) {
      ByteBuffer d = t.data();
      StringBuilder sb = new StringBuilder("[");
      for (long i = 0; i < t.elementCount(); i++) {
        sb.append(i > 0 ? "," : "");
        switch (t.datatype()) {
          case "BOOL" -> sb.append(d.get() != 0);
          case "UINT8" -> sb.append(d.get() & 0xff);
          case "INT8" -> sb.append(d.get());
          case "UINT16" -> sb.append(d.getShort() & 0xffff);
          case "INT16" -> sb.append(d.getShort());
          case "UINT32" -> sb.append(d.getInt() & 0xffffffffL);
          case "INT32" -> sb.append(d.getInt());
          case "UINT64" -> sb.append(Long.toUnsignedString(d.getLong()));
          case "INT64" -> sb.append(d.getLong());
          case "FP16" -> sb.append(Halves.toFloat(d.getShort()));
          case "BF16" -> sb.append(Float.intBitsToFloat((d.getShort() & 0xffff) << 16));
          case "FP32" -> sb.append(d.getFloat());
          case "FP64" -> sb.append(d.getDouble());
          case "BYTES" -> {
            byte[] b = new byte[d.getInt()];
            d.get(b);
            sb.append(new com.google.gson.JsonPrimitive(new String(b, StandardCharsets.UTF_8)));
          }
          default -> throw new IllegalArgumentException(t.datatype());
        }
      }
      return sb.append(']').toString();
    }

    static ByteBuffer fromJson(String datatype, JsonArray data) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      for (JsonElement e : data) {
        b.clear();
        switch (datatype) {
          case "BOOL" -> b.put((byte) (e.getAsBoolean() ? 1 : 0));
          case "UINT8", "INT8" -> b.put((byte) e.getAsInt());
          case "UINT16", "INT16" -> b.putShort((short) e.getAsInt());
          case "UINT32", "INT32" -> b.putInt((int) e.getAsLong());
          case "UINT64" -> b.putLong(new BigInteger(e.getAsString()).longValue());
          case "INT64" -> b.putLong(Long.parseLong(e.getAsString()));
          case "FP16" -> b.putShort(Halves.fromFloat(e.getAsFloat()));
          case "BF16" -> b.putShort((short) (Float.floatToIntBits(e.getAsFloat()) >>> 16));
          case "FP32" -> b.putFloat(e.getAsFloat());
          case "FP64" -> b.putDouble(e.getAsDouble());
          case "BYTES" -> {
            byte[] s = e.getAsString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(s.length);
            out.write(len.array(), 0, 4);
            out.write(s, 0, s.length);
            continue;
          }
          default -> throw new IllegalArgumentException(datatype);
        }
        out.write(b.array(), 0, b.position());
      }
      return ByteBuffer.wrap(out.toByteArray());
    }
  }

  /** IEEE half floats for the test client, via the JDK's float conversions of exactly representable values. */
  static final class Halves {
    private Halves() {}

    static float toFloat(short h) {
      int sign = (h & 0x8000) << 16;
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      if (exp == 0) {
        float v = mant * 0x1p-24f;
        return sign != 0 ? -v : v;
      }
      if (exp == 31) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Only for values that a half holds exactly (what {@link #toFloat} gave). */
    static short fromFloat(float f) {
      for (int h = 0; h < 0x10000; h++) {
        if (Float.floatToIntBits(toFloat((short) h)) == Float.floatToIntBits(f)) {
          return (short) h;
        }
      }
      throw new IllegalArgumentException(f + " is not a half");
    }
  }
}
