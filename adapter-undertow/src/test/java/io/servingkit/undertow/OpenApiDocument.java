package io.servingkit.undertow;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.api.ServingApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The OpenAPI document serving-core ships ({@code io/servingkit/api/openapi.json}), read with Gson: its documented
 * responses, {@code $ref} resolution and which path template a concrete path falls under.
 */
final class OpenApiDocument {

  /** The operation keys of an OpenAPI 3.0 path item. */
  private static final List<String> METHODS =
      List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  /** The extension marking a path whose every method is handled. */
  static final String ANY_METHOD = "x-any-method";

  private final JsonObject root;

  OpenApiDocument(JsonObject root) {
    this.root = root;
  }

  /** Reads the document from serving-core's resources. */
  static OpenApiDocument load() throws IOException {
    try (InputStream in = ServingApi.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("io/servingkit/api/openapi.json is not on the class path");
      }
      return new OpenApiDocument(
          JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject());
    }
  }

  JsonObject root() {
    return root;
  }

  /** A copy of this document with {@code change} applied to its JSON. */
  OpenApiDocument changed(Consumer<JsonObject> change) {
    JsonObject copy = root.deepCopy();
    change.accept(copy);
    return new OpenApiDocument(copy);
  }

  /**
   * One documented response.
   *
   * @param method the HTTP method, upper case
   * @param path the path template
   * @param status the status code
   * @param response the response object, {@code $ref} resolved
   */
  record Documented(String method, String path, int status, JsonObject response) {
    String key() {
      return key(method, path, status);
    }

    static String key(String method, String path, int status) {
      return method + " " + path + " " + status;
    }
  }

  /** Every (path, method, status) the document lists. */
  List<Documented> responses() {
    List<Documented> out = new ArrayList<>();
    for (Map.Entry<String, JsonElement> path : root.getAsJsonObject("paths").entrySet()) {
      JsonObject item = path.getValue().getAsJsonObject();
      for (String method : METHODS) {
        if (!item.has(method)) {
          continue;
        }
        JsonObject responses = item.getAsJsonObject(method).getAsJsonObject("responses");
        for (Map.Entry<String, JsonElement> r : responses.entrySet()) {
          out.add(
              new Documented(
                  method.toUpperCase(Locale.ROOT),
                  path.getKey(),
                  Integer.parseInt(r.getKey()),
                  resolve(r.getValue())));
        }
      }
    }
    return out;
  }

  /** The object {@code element} is, following {@code $ref}s within this document. */
  JsonObject resolve(JsonElement element) {
    JsonObject o = element.getAsJsonObject();
    for (int depth = 0; o.has("$ref"); depth++) {
      if (depth > 16) {
        throw new IllegalStateException("$ref cycle at " + o);
      }
      o = pointer(o.get("$ref").getAsString());
    }
    return o;
  }

  /** A component by kind and name, such as ("responses", "NotFound"). */
  JsonObject component(String kind, String name) {
    return pointer("#/components/" + kind + "/" + name);
  }

  private JsonObject pointer(String ref) {
    if (!ref.startsWith("#/")) {
      throw new IllegalStateException("only local $refs are used: " + ref);
    }
    JsonElement cur = root;
    for (String token : ref.substring(2).split("/")) {
      String name = token.replace("~1", "/").replace("~0", "~");
      if (!cur.isJsonObject() || !cur.getAsJsonObject().has(name)) {
        throw new IllegalStateException("unresolved $ref " + ref);
      }
      cur = cur.getAsJsonObject().get(name);
    }
    return cur.getAsJsonObject();
  }

  /**
   * The template a concrete path (query string removed) falls under: the one with the most literal segments
   * among those that match, as OpenAPI prefers concrete paths over templated ones.
   */
  Optional<String> template(String concretePath) {
    String[] actual = concretePath.split("/", -1);
    String best = null;
    int bestLiterals = -1;
    for (String template : root.getAsJsonObject("paths").keySet()) {
      int literals = literalsIfMatching(template.split("/", -1), actual);
      if (literals > bestLiterals) {
        best = template;
        bestLiterals = literals;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int literalsIfMatching(String[] template, String[] actual) {
    if (template.length != actual.length) {
      return -1;
    }
    int literals = 0;
    for (int i = 0; i < template.length; i++) {
      boolean parameter = template[i].startsWith("{") && template[i].endsWith("}");
      if (parameter && !actual[i].isEmpty()) {
        continue;
      }
      if (!template[i].equals(actual[i])) {
        return -1;
      }
      literals++;
    }
    return literals;
  }

  /** Whether the document lists {@code method} on {@code template}, or marks the path as handling every method. */
  boolean handles(String template, String method) {
    JsonObject item = root.getAsJsonObject("paths").getAsJsonObject(template);
    boolean any = item.has(ANY_METHOD) && item.get(ANY_METHOD).getAsBoolean();
    return any || item.has(method.toLowerCase(Locale.ROOT));
  }

  /** Whether {@code method} itself is listed on {@code template}. */
  boolean lists(String template, String method) {
    return root.getAsJsonObject("paths").getAsJsonObject(template).has(method.toLowerCase(Locale.ROOT));
  }
}
