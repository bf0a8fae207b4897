package io.servingkit.api;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the responses of one request, each carrying the headers every response gets: {@code x-request-id},
 * DJL Serving's no-cache headers and the configured CORS headers.
 */
final class Responses {

  static final String REQUEST_ID = "x-request-id";
  static final String JSON = "application/json";
  static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  /** Headers the adapter owns: a model's output cannot set them. */
  private static final Set<String> FRAMING =
      Set.of("content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "trailer");

  /** Pretty JSON with HTML-safe escaping, as DJL Serving writes it. Immutable and thread-safe. */
  static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private final String requestId;
  private final ApiConfig config;
  private final boolean cors;

  Responses(String requestId, ApiConfig config) {
    this(requestId, config, true);
  }

  /** @param cors whether the configured CORS headers are added (never for management answers) */
  Responses(String requestId, ApiConfig config, boolean cors) {
    this.requestId = requestId;
    this.config = config;
    this.cors = cors;
  }

  /** The client's {@code x-request-id} when it is a plain token, else a new UUID: see {@link RequestIds#requestId}. */
  static String requestId(ApiRequest request) {
    return RequestIds.requestId(request.header(REQUEST_ID));
  }

  String requestId() {
    return requestId;
  }

  /** A JSON body (pretty-printed, newline-terminated) with {@code content-type: application/json}. */
  ApiResponse json(int status, JsonElement body) {
    return json(status, Reasons.standard(status), body);
  }

  ApiResponse json(int status, String reason, JsonElement body) {
    return text(status, reason, JSON, GSON.toJson(body) + "\n");
  }

  /** {@code {"status": message}}. */
  ApiResponse status(int status, String message) {
    JsonObject o = new JsonObject();
    o.addProperty("status", message);
    return json(status, o);
  }

  ApiResponse text(int status, String reason, String contentType, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", contentType);
    addCommon(headers);
    return ApiResponse.whole(status, reason, headers, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** A body as it is, with {@code headers} (content type included) and the common headers. */
  ApiResponse bytes(int status, Map<String, String> headers, ByteBuffer body) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    addCommon(all);
    return ApiResponse.whole(status, Reasons.standard(status), all, body);
  }

  /** The error response for a failure, through the {@link ErrorTable}. */
  ApiResponse error(Throwable failure) {
    ErrorTable.Mapping m = ErrorTable.map(failure);
    if (m.handlerFailure()) {
      // a failing Python handler answers with this exact shape (no "type")
      String body =
          "{\n  \"code\":"
              + m.status()
              + ",\n  \"message\":\""
              + ErrorTable.HANDLER_FAILURE
              + "\",\n  \"error\":"
              + new JsonPrimitive(m.message())
              + "\n}";
      return text(m.status(), m.reason(), JSON, body);
    }
    JsonObject o = new JsonObject();
    o.addProperty("code", m.status());
    o.addProperty("type", m.type());
    o.addProperty("message", m.message());
    return json(m.status(), m.reason(), o);
  }

  /**
   * A model's output: code and message become the status line, properties become headers, and the body is
   * the {@code data} entry or entry 0. A {@link ChunkedBytesSupplier} body becomes a stream.
   */
  ApiResponse output(Output out) {
    BytesSupplier data = out.getData();
    if (data instanceof ChunkedBytesSupplier chunks) {
      return ApiResponse.streamed(() -> head(out), new OutputChunkStream(chunks, config.chunkReadTimeout()));
    }
    ApiResponse.Head head = head(out);
    ByteBuffer body = data == null ? null : ByteBuffer.wrap(data.getAsBytes());
    return ApiResponse.whole(head.status(), head.reason(), head.headers(), body);
  }

  private ApiResponse.Head head(Output out) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : out.getProperties().entrySet()) {
      String name = e.getKey();
      if (isToken(name) && e.getValue() != null && !FRAMING.contains(name.toLowerCase(Locale.ROOT))) {
        headers.put(name, Reasons.sanitize(e.getValue()));
      }
    }
    addCommon(headers);
    int code = out.getCode();
    if (code < 100 || code > 999) {
      return new ApiResponse.Head(500, "Invalid status code " + code + " from the model", headers);
    }
    return new ApiResponse.Head(code, Reasons.forOutput(code, out.getMessage()), headers);
  }

  private void addCommon(Map<String, String> headers) {
    put(headers, REQUEST_ID, requestId);
    put(headers, "Pragma", "no-cache");
    put(headers, "Cache-Control", "no-cache; no-store, must-revalidate, private");
    put(headers, "Expires", "Thu, 01 Jan 1970 00:00:00 UTC");
    if (!cors) {
      headers.keySet().removeIf(k -> k.toLowerCase(Locale.ROOT).startsWith("access-control-"));
      return;
    }
    config.corsAllowedOrigin().ifPresent(v -> putIfAbsent(headers, "Access-Control-Allow-Origin", v));
    config.corsAllowedMethods().ifPresent(v -> putIfAbsent(headers, "Access-Control-Allow-Methods", v));
    config.corsAllowedHeaders().ifPresent(v -> putIfAbsent(headers, "Access-Control-Allow-Headers", v));
  }

  /** Sets a header, replacing any spelling of the same name. */
  private static void put(Map<String, String> headers, String name, String value) {
    headers.keySet().removeIf(k -> k.equalsIgnoreCase(name));
    headers.put(name, value);
  }

  private static void putIfAbsent(Map<String, String> headers, String name, String value) {
    for (String k : headers.keySet()) {
      if (k.equalsIgnoreCase(name)) {
        return;
      }
    }
    headers.put(name, value);
  }


  /** Whether a header name is an RFC 9110 token. */
  private static boolean isToken(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
