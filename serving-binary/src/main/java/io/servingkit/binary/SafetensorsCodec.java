package io.servingkit.binary;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.servingkit.BadInputException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format: a little-endian u64 header length, a JSON header mapping names to {@code {"dtype",
 * "shape", "data_offsets": [begin, end]}} (plus an optional {@code __metadata__} map), then the little-endian C-order
 * data, offsets counted from the end of the header. Arrays are returned in the order of their data offsets, which is
 * the order the writer laid them out; {@code arr_N} names become unnamed arrays. Data is not copied.
 */
final class SafetensorsCodec {
  static final String MEDIA_TYPE = "tensor/safetensors";
  private static final String METADATA = "__metadata__";

  private SafetensorsCodec() {}

  /** Whether the body looks like safetensors: byte 8 opens the JSON header. */
  static boolean isSafetensors(ByteBuffer body) {
    return body.remaining() > 8 && body.get(body.position() + 8) == '{';
  }

  static List<Tensor> decode(ByteBuffer body) {
    ByteReader in = new ByteReader(body, "safetensors");
    long headerLength = in.i64(ByteOrder.LITTLE_ENDIAN, "header length");
    if (headerLength < 2 || headerLength > in.remaining()) {
      throw in.fail("header length " + headerLength + " does not fit the " + in.remaining() + " bytes that follow");
    }
    ByteBuffer headerBytes = in.slice(headerLength, "header");
    String header;
    try {
      header =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(headerBytes)
              .toString();
    } catch (CharacterCodingException e) {
      throw in.fail("header is not valid UTF-8");
    }
    Map<String, JsonElement> root = parseHeader(header, in);
    ByteBuffer data = in.slice(in.remaining(), "data");
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonElement> field : root.entrySet()) {
      String name = field.getKey();
      if (METADATA.equals(name)) {
        checkMetadata(field.getValue(), in);
        continue;
      }
      entries.add(readEntry(name, field.getValue(), data.remaining(), in));
    }
    entries.sort(Comparator.comparingLong((Entry e) -> e.begin).thenComparing(e -> e.name));
    List<Tensor> tensors = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      ByteBuffer slice = data.duplicate();
      slice.position((int) e.begin).limit((int) e.end);
      String name = NpzCodec.POSITIONAL.matcher(e.name).matches() ? null : e.name;
      tensors.add(Tensor.of(name, e.dtype, e.shape, slice.slice().order(ByteOrder.LITTLE_ENDIAN)));
    }
    if (tensors.isEmpty()) {
      throw in.fail("header lists no tensors");
    }
    return tensors;
  }

  private static Map<String, JsonElement> parseHeader(String header, ByteReader in) {
    Map<String, JsonElement> fields = new LinkedHashMap<>();
    try {
      JsonReader reader = new JsonReader(new StringReader(header));
      reader.setStrictness(Strictness.STRICT);
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw in.fail("header is not a JSON object");
      }
      reader.beginObject();
      while (reader.hasNext()) {
        String key = reader.nextName();
        if (fields.put(key, JsonParser.parseReader(reader)) != null) {
          throw in.fail("header names '" + NdListCodec.printable(key) + "' twice");
        }
      }
      reader.endObject();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw in.fail("header holds text after its JSON object");
      }
    } catch (JsonParseException | IOException | IllegalStateException | NumberFormatException e) {
      throw in.fail("header is not valid JSON: " + e.getMessage());
    }
    return fields;
  }

  private static void checkMetadata(JsonElement value, ByteReader in) {
    if (!value.isJsonObject()) {
      throw in.fail("__metadata__ is not an object");
    }
    for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
      if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
        throw in.fail("__metadata__ value '" + NdListCodec.printable(e.getKey()) + "' is not a string");
      }
    }
  }

  private static final class Entry {
    String name;
    DType dtype;
    long[] shape;
    long begin;
    long end;
  }

  private static Entry readEntry(String name, JsonElement value, long dataLength, ByteReader in) {
    String label = "tensor '" + NdListCodec.printable(name) + "'";
    if (!value.isJsonObject()) {
      throw in.fail(label + " is not an object");
    }
    JsonObject o = value.getAsJsonObject();
    Entry e = new Entry();
    e.name = name;
    JsonElement dtype = o.get("dtype");
    if (dtype == null || !dtype.isJsonPrimitive() || !dtype.getAsJsonPrimitive().isString()) {
      throw in.fail(label + " has no string 'dtype'");
    }
    e.dtype = DType.fromSafetensors(dtype.getAsString());
    if (e.dtype == null) {
      throw in.fail(label + " has unsupported dtype '" + NdListCodec.printable(dtype.getAsString()) + "'");
    }
    e.shape = longs(o.get("shape"), label + " 'shape'", Shapes.MAX_NDIM, in);
    long[] offsets = longs(o.get("data_offsets"), label + " 'data_offsets'", 2, in);
    if (offsets.length != 2) {
      throw in.fail(label + " 'data_offsets' must hold two numbers");
    }
    e.begin = offsets[0];
    e.end = offsets[1];
    if (e.begin > e.end || e.end > dataLength) {
      throw in.fail(
          label + " data_offsets [" + e.begin + ", " + e.end + "] lie outside the " + dataLength + " data bytes");
    }
    long expected;
    try {
      expected = Shapes.byteSize(e.shape, e.dtype.width());
    } catch (ArithmeticException ex) {
      throw in.fail(label + " shape " + Shapes.format(e.shape) + " has more bytes than a long can count");
    }
    if (expected != e.end - e.begin) {
      throw in.fail(
          label + " is " + e.dtype + " " + Shapes.format(e.shape) + " (" + expected + " bytes) but its offsets span "
              + (e.end - e.begin));
    }
    return e;
  }

  private static long[] longs(JsonElement value, String what, int max, ByteReader in) {
    if (value == null || !value.isJsonArray()) {
      throw in.fail(what + " is not an array");
    }
    JsonArray array = value.getAsJsonArray();
    if (array.size() > max) {
      throw in.fail(what + " has " + array.size() + " entries, more than " + max);
    }
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement v = array.get(i);
      if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
        throw in.fail(what + " entry " + i + " is not a number");
      }
      JsonPrimitive p = v.getAsJsonPrimitive();
      try {
        out[i] = p.getAsBigDecimal().longValueExact();
      } catch (ArithmeticException | NumberFormatException e) {
        throw in.fail(what + " entry " + i + " (" + p + ") is not a 64-bit integer");
      }
      if (out[i] < 0) {
        throw in.fail(what + " entry " + i + " is negative (" + out[i] + ")");
      }
    }
    return out;
  }

  /** Encodes the tensors; unnamed ones are called {@code arr_N}. Header padded with spaces to 8 bytes. */
  static byte[] encode(List<Tensor> tensors) {
    StringBuilder header = new StringBuilder("{");
    Set<String> names = new HashSet<>();
    int unnamed = 0;
    long offset = 0;
    for (Tensor t : tensors) {
      if (t.dtype().safetensorsName() == null) {
        throw new BadInputException(
            "safetensors: cannot hold " + t.dtype() + " tensors; ask for tensor/ndlist or application/json instead");
      }
      String name = t.name() == null ? "arr_" + unnamed++ : t.name();
      if (!names.add(name) || METADATA.equals(name)) {
        throw new BadInputException("safetensors: two tensors are named '" + name + "'; names must be unique");
      }
      if (header.length() > 1) {
        header.append(',');
      }
      Json.appendString(header, name);
      header.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
      long[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) {
        if (i > 0) {
          header.append(',');
        }
        header.append(shape[i]);
      }
      long end = offset + t.byteSize();
      header.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
      offset = end;
    }
    header.append('}');
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    long total = 8L + padded + offset;
    if (total > Integer.MAX_VALUE - 16) {
      throw new BadInputException("safetensors: the output is " + total + " bytes, more than one response can hold");
    }
    byte[] out = new byte[(int) total];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(padded);
    buf.put(json);
    while (buf.position() < 8 + padded) {
      buf.put((byte) ' ');
    }
    for (Tensor t : tensors) {
      buf.put(t.data());
    }
    return out;
  }
}
