package io.servingkit.undertow;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a JSON value against the part of JSON Schema that openapi.json uses: {@code $ref}, {@code type},
 * {@code enum}, {@code required}, {@code properties}, {@code additionalProperties} (false or a schema) and
 * {@code items}. A schema using any other keyword that could constrain a value is refused, so the document cannot
 * promise more than this check verifies.
 */
final class JsonSchemaSubset {

  /** Keywords understood; the last four only annotate. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "$ref", "type", "enum", "required", "properties", "additionalProperties", "items",
          "description", "format", "default", "example");

  private final OpenApiDocument document;

  JsonSchemaSubset(OpenApiDocument document) {
    this.document = document;
  }

  /** What is wrong with {@code value} under {@code schema}; empty when it conforms. */
  List<String> check(JsonElement value, JsonElement schema, String where) {
    List<String> problems = new ArrayList<>();
    visit(value, document.resolve(schema), where, problems);
    return problems;
  }

  private void visit(JsonElement value, JsonObject schema, String where, List<String> problems) {
    for (String keyword : schema.keySet()) {
      if (!KEYWORDS.contains(keyword)) {
        throw new IllegalArgumentException(where + ": schema keyword " + keyword + " is not supported by this check");
      }
    }
    if (schema.has("type") && !hasType(value, schema.get("type").getAsString())) {
      problems.add(where + ": expected " + schema.get("type").getAsString() + ", got " + value);
      return;
    }
    if (schema.has("enum") && !schema.getAsJsonArray("enum").contains(value)) {
      problems.add(where + ": " + value + " is not one of " + schema.get("enum"));
    }
    if (value.isJsonObject()) {
      visitObject(value.getAsJsonObject(), schema, where, problems);
    }
    if (value.isJsonArray() && schema.has("items")) {
      JsonObject items = document.resolve(schema.get("items"));
      for (int i = 0; i < value.getAsJsonArray().size(); i++) {
        visit(value.getAsJsonArray().get(i), items, where + "[" + i + "]", problems);
      }
    }
  }

  private void visitObject(JsonObject value, JsonObject schema, String where, List<String> problems) {
    if (schema.has("required")) {
      for (JsonElement name : schema.getAsJsonArray("required")) {
        if (!value.has(name.getAsString())) {
          problems.add(where + ": required property " + name.getAsString() + " is missing");
        }
      }
    }
    JsonObject properties = schema.has("properties") ? schema.getAsJsonObject("properties") : new JsonObject();
    JsonElement additional = schema.get("additionalProperties");
    for (Map.Entry<String, JsonElement> e : value.entrySet()) {
      String at = where + "." + e.getKey();
      if (properties.has(e.getKey())) {
        visit(e.getValue(), document.resolve(properties.get(e.getKey())), at, problems);
      } else if (additional != null && additional.isJsonPrimitive() && !additional.getAsBoolean()) {
        problems.add(at + ": property not in the schema");
      } else if (additional != null && additional.isJsonObject()) {
        visit(e.getValue(), document.resolve(additional), at, problems);
      }
    }
  }

  private static boolean hasType(JsonElement value, String type) {
    switch (type) {
      case "object":
        return value.isJsonObject();
      case "array":
        return value.isJsonArray();
      case "string":
        return isPrimitive(value) && value.getAsJsonPrimitive().isString();
      case "boolean":
        return isPrimitive(value) && value.getAsJsonPrimitive().isBoolean();
      case "number":
        return isPrimitive(value) && value.getAsJsonPrimitive().isNumber();
      case "integer":
        return isPrimitive(value) && value.getAsJsonPrimitive().isNumber() && isWhole(value.getAsJsonPrimitive());
      default:
        throw new IllegalArgumentException("type " + type + " is not supported by this check");
    }
  }

  private static boolean isPrimitive(JsonElement value) {
    return value.isJsonPrimitive();
  }

  private static boolean isWhole(JsonPrimitive number) {
    BigDecimal d = number.getAsBigDecimal();
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
  }
}
