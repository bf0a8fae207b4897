package io.servingkit.binary;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.servingkit.BadInputException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code application/json} tensors. Input: a (nested, rectangular) array of numbers, or an object whose
 * {@code "inputs"} (else {@code "instances"}) member is one; it becomes one FLOAT32 tensor. DJL Serving reads 1-D and
 * 2-D arrays this way; deeper nesting is accepted too. Output: {@code {"predictions": <array>}} for one tensor, or
 * {@code {"predictions": [{"key": name, "value": <array>}, ...]}} for several, as DJL Serving writes them.
 */
final class JsonTensorCodec {
  static final String MEDIA_TYPE = "application/json";
  private static final String UNSUPPORTED = "Input is not a supported json format";
  private static final int MAX_NUMBERS = 1 << 28;

  private JsonTensorCodec() {}

  static List<Tensor> decode(ByteBuffer body) {
    Reader reader =
        new InputStreamReader(new ByteBufferInputStream(body.duplicate()), StandardCharsets.UTF_8);
    try (JsonReader json = new JsonReader(reader)) {
      Tensor tensor = null;
      JsonToken first = json.peek();
      if (first == JsonToken.BEGIN_ARRAY) {
        tensor = new ArrayReader(json).read();
      } else if (first == JsonToken.BEGIN_OBJECT) {
        Tensor inputs = null;
        Tensor instances = null;
        json.beginObject();
        while (json.hasNext()) {
          String key = json.nextName();
          if (("inputs".equals(key) || "instances".equals(key)) && json.peek() == JsonToken.BEGIN_ARRAY) {
            Tensor t = new ArrayReader(json).read();
            if ("inputs".equals(key)) {
              inputs = t;
            } else {
              instances = t;
            }
          } else {
            json.skipValue();
          }
        }
        json.endObject();
        tensor = inputs != null ? inputs : instances;
      }
      if (tensor == null) {
        throw new BadInputException(
            UNSUPPORTED + ": expected an array of numbers or an object with an \"inputs\" or \"instances\" array");
      }
      if (json.peek() != JsonToken.END_DOCUMENT) {
        throw new BadInputException("JSON input holds more than one value (at " + json.getPath() + ")");
      }
      return List.of(tensor);
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw new BadInputException(
          "Input is not a valid json: " + (e.getMessage() == null ? "malformed" : e.getMessage()), e);
    }
  }

  /** Reads one rectangular nested array of numbers. */
  private static final class ArrayReader {
    private final JsonReader json;
    private final long[] dims = new long[Shapes.MAX_NDIM];
    private int ndim;
    private int deepestArray = -1;
    private int leafDepth = -1;
    private float[] values = new float[64];
    private int count;

    ArrayReader(JsonReader json) {
      this.json = json;
      Arrays.fill(dims, -1);
    }

    Tensor read() throws IOException {
      readArray(0);
      long[] shape = Arrays.copyOf(dims, ndim);
      if (Shapes.size(shape) != count) {
        throw new BadInputException("JSON input is ragged: its arrays do not form a rectangular shape");
      }
      ByteBuffer data = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < count; i++) {
        data.putFloat(values[i]);
      }
      data.flip();
      return Tensor.of(null, DType.FLOAT32, shape, data);
    }

    private void readArray(int depth) throws IOException {
      if (depth >= Shapes.MAX_NDIM) {
        throw new BadInputException(
            "JSON input nests arrays deeper than " + Shapes.MAX_NDIM + " at " + json.getPath());
      }
      if (leafDepth >= 0 && depth >= leafDepth) {
        throw ragged();
      }
      deepestArray = Math.max(deepestArray, depth);
      json.beginArray();
      long n = 0;
      while (json.hasNext()) {
        JsonToken token = json.peek();
        if (token == JsonToken.BEGIN_ARRAY) {
          readArray(depth + 1);
        } else if (token == JsonToken.NUMBER) {
          if (leafDepth < 0) {
            if (deepestArray > depth) {
              throw ragged();
            }
            leafDepth = depth + 1;
          } else if (leafDepth != depth + 1) {
            throw ragged();
          }
          add((float) json.nextDouble());
        } else {
          throw new BadInputException(
              "JSON input holds " + token.name().toLowerCase(Locale.ROOT) + " at " + json.getPath()
                  + " where a number or an array is expected");
        }
        n++;
      }
      json.endArray();
      if (dims[depth] < 0) {
        dims[depth] = n;
        ndim = Math.max(ndim, depth + 1);
      } else if (dims[depth] != n) {
        throw new BadInputException(
            "JSON input is ragged: an array at depth " + depth + " has " + n + " elements, another has "
                + dims[depth] + " (at " + json.getPath() + ")");
      }
    }

    private BadInputException ragged() {
      return new BadInputException("JSON input is ragged: numbers and arrays mix at " + json.getPath());
    }

    private void add(float v) {
      if (count == MAX_NUMBERS) {
        throw new BadInputException("JSON input holds more than " + MAX_NUMBERS + " numbers");
      }
      if (count == values.length) {
        values = Arrays.copyOf(values, values.length * 2);
      }
      values[count++] = v;
    }
  }

  static byte[] encode(List<Tensor> tensors) {
    StringBuilder sb = new StringBuilder("{\"predictions\":");
    if (tensors.size() == 1) {
      appendTensor(sb, tensors.get(0));
    } else {
      sb.append('[');
      for (int i = 0; i < tensors.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        Tensor t = tensors.get(i);
        sb.append('{');
        if (t.name() != null) {
          sb.append("\"key\":");
          Json.appendString(sb, t.name());
          sb.append(',');
        }
        sb.append("\"value\":");
        appendTensor(sb, t);
        sb.append('}');
      }
      sb.append(']');
    }
    sb.append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void appendTensor(StringBuilder sb, Tensor t) {
    long[] shape = t.shape();
    ByteBuffer data = t.dtype() == DType.STRING ? null : t.data();
    appendLevel(sb, t, data, shape, 0, 0);
  }

  /** Appends the sub-array at {@code depth} starting at flat element {@code offset}; returns the next offset. */
  private static long appendLevel(StringBuilder sb, Tensor t, ByteBuffer data, long[] shape, int depth, long offset) {
    if (depth == shape.length) {
      if (data == null) {
        Json.appendString(sb, t.strings()[(int) offset]);
      } else {
        Elements.append(sb, t.dtype(), data, offset);
      }
      return offset + 1;
    }
    sb.append('[');
    long next = offset;
    if (shape[depth] == 0) {
      sb.append(']');
      return offset;
    }
    for (long i = 0; i < shape[depth]; i++) {
      if (i > 0) {
        sb.append(',');
      }
      next = appendLevel(sb, t, data, shape, depth + 1, next);
    }
    sb.append(']');
    return next;
  }
}
