package io.servingkit.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import io.servingkit.BadInputException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tensor {@code data} in the protocol's JSON form, to and from raw little-endian bytes. Data may be flat or nested
 * to the shape (row-major either way). Integers are read from their decimal text, never through a double, so
 * INT64 and UINT64 keep every digit; floats are rounded to the datatype's width (FP16 and BF16 round half to
 * even).
 */
final class OipJsonData {

  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private OipJsonData() {}

  /**
   * The raw bytes of {@code data} for a tensor of {@code type} and {@code shape}.
   *
   * @throws BadInputException when the data does not match the shape or an element does not fit the type
   */
  static ByteBuffer toBytes(String name, OipDatatype type, long[] shape, long count, JsonElement data) {
    List<JsonElement> leaves = leaves(name, shape, count, data);
    if (type == OipDatatype.BYTES) {
      List<byte[]> elements = new ArrayList<>(leaves.size());
      long total = 0;
      for (int i = 0; i < leaves.size(); i++) {
        JsonElement e = leaves.get(i);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
          throw element(name, i, e, "BYTES elements are JSON strings");
        }
        byte[] b = e.getAsString().getBytes(StandardCharsets.UTF_8);
        elements.add(b);
        total += 4 + b.length;
      }
      ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
      for (byte[] b : elements) {
        out.putInt(b.length).put(b);
      }
      return out.flip();
    }
    ByteBuffer out = ByteBuffer.allocate(leaves.size() * type.width()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < leaves.size(); i++) {
      put(out, type, name, i, leaves.get(i));
    }
    return out.flip();
  }

  /** The elements of {@code data} in row-major order, checked against the shape. */
  private static List<JsonElement> leaves(String name, long[] shape, long count, JsonElement data) {
    if (data == null || data.isJsonNull()) {
      throw new BadInputException("input " + name + " has no data (and no binary_data_size parameter)");
    }
    List<JsonElement> out = new ArrayList<>((int) Math.min(count, 1 << 20));
    if (!data.isJsonArray()) {
      out.add(data);
    } else {
      JsonArray array = data.getAsJsonArray();
      boolean nested = !array.isEmpty() && array.get(0).isJsonArray();
      if (nested) {
        nested(name, shape, 0, array, out);
      } else {
        if (array.size() != count) {
          throw new BadInputException(
              "input " + name + ": shape " + Arrays.toString(shape) + " needs " + count + " elements, data has "
                  + array.size());
        }
        for (JsonElement e : array) {
          if (e.isJsonArray() || e.isJsonObject()) {
            throw new BadInputException("input " + name + ": data mixes arrays and values at the top level");
          }
          out.add(e);
        }
      }
    }
    if (out.size() != count) {
      throw new BadInputException(
          "input " + name + ": shape " + Arrays.toString(shape) + " needs " + count + " elements, data has "
              + out.size());
    }
    return out;
  }

  private static void nested(String name, long[] shape, int depth, JsonArray array, List<JsonElement> out) {
    if (depth >= shape.length) {
      throw new BadInputException(
          "input " + name + ": data is nested deeper than its shape " + Arrays.toString(shape));
    }
    if (array.size() != shape[depth]) {
      throw new BadInputException(
          "input " + name + ": data has " + array.size() + " entries at depth " + depth + " where shape "
              + Arrays.toString(shape) + " needs " + shape[depth]);
    }
    boolean leaf = depth == shape.length - 1;
    for (JsonElement e : array) {
      if (leaf) {
        if (e.isJsonArray() || e.isJsonObject()) {
          throw new BadInputException(
              "input " + name + ": data is nested deeper than its shape " + Arrays.toString(shape));
        }
        out.add(e);
      } else {
        if (!e.isJsonArray()) {
          throw new BadInputException(
              "input " + name + ": data at depth " + (depth + 1) + " must be an array of " + shape[depth + 1]
                  + " entries for shape " + Arrays.toString(shape));
        }
        nested(name, shape, depth + 1, e.getAsJsonArray(), out);
      }
    }
  }

  private static void put(ByteBuffer out, OipDatatype type, String name, int i, JsonElement e) {
    if (!e.isJsonPrimitive()) {
      throw element(name, i, e, type + " elements are JSON " + (type == OipDatatype.BOOL ? "booleans" : "numbers"));
    }
    JsonPrimitive p = e.getAsJsonPrimitive();
    if (type == OipDatatype.BOOL) {
      if (!p.isBoolean()) {
        throw element(name, i, e, "BOOL elements are true or false");
      }
      out.put((byte) (p.getAsBoolean() ? 1 : 0));
      return;
    }
    if (!p.isNumber()) {
      throw element(name, i, e, type + " elements are JSON numbers");
    }
    String text = p.getAsString();
    switch (type) {
      case FP32 -> out.putFloat((float) parseDouble(name, i, text));
      case FP64 -> out.putDouble(parseDouble(name, i, text));
      case FP16 -> out.putShort(toHalf((float) parseDouble(name, i, text)));
      case BF16 -> out.putShort(toBfloat16((float) parseDouble(name, i, text)));
      case UINT64 -> out.putLong(parseInteger(name, i, text, BigInteger.ZERO, UINT64_MAX).longValue());
      case INT64 -> out.putLong(parseInteger(name, i, text, BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)).longValue());
      case INT32 -> out.putInt((int) parseLong(name, i, text, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case UINT32 -> out.putInt((int) parseLong(name, i, text, 0, 0xffffffffL));
      case INT16 -> out.putShort((short) parseLong(name, i, text, Short.MIN_VALUE, Short.MAX_VALUE));
      case UINT16 -> out.putShort((short) parseLong(name, i, text, 0, 0xffff));
      case INT8 -> out.put((byte) parseLong(name, i, text, Byte.MIN_VALUE, Byte.MAX_VALUE));
      case UINT8 -> out.put((byte) parseLong(name, i, text, 0, 0xff));
      default -> throw new AssertionError(type);
    }
  }

  private static double parseDouble(String name, int i, String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new BadInputException("input " + name + ": element " + i + " (" + shorten(text) + ") is not a number");
    }
  }

  private static long parseLong(String name, int i, String text, long min, long max) {
    return parseInteger(name, i, text, BigInteger.valueOf(min), BigInteger.valueOf(max)).longValue();
  }

  private static BigInteger parseInteger(String name, int i, String text, BigInteger min, BigInteger max) {
    BigInteger value;
    try {
      if (text.length() < 18 && text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
        value = BigInteger.valueOf(Long.parseLong(text));
      } else {
        if (text.length() > 400) {
          throw new NumberFormatException();
        }
        value = new BigDecimal(text).toBigIntegerExact();
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw new BadInputException("input " + name + ": element " + i + " (" + shorten(text) + ") is not an integer");
    }
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new BadInputException(
          "input " + name + ": element " + i + " (" + shorten(text) + ") is out of range [" + min + ", " + max + "]");
    }
    return value;
  }

  private static BadInputException element(String name, int i, JsonElement e, String rule) {
    return new BadInputException("input " + name + ": element " + i + " (" + shorten(e.toString()) + ") is wrong: " + rule);
  }

  private static String shorten(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /** Appends the tensor's elements as a flat JSON array. */
  static void appendJson(StringBuilder sb, InferTensor t) {
    ByteBuffer d = t.data();
    int n = (int) t.elementCount();
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      switch (t.type()) {
        case BOOL -> sb.append(d.get() != 0);
        case UINT8 -> sb.append(d.get() & 0xff);
        case INT8 -> sb.append(d.get());
        case UINT16 -> sb.append(d.getShort() & 0xffff);
        case INT16 -> sb.append(d.getShort());
        case UINT32 -> sb.append(d.getInt() & 0xffffffffL);
        case INT32 -> sb.append(d.getInt());
        case UINT64 -> sb.append(Long.toUnsignedString(d.getLong()));
        case INT64 -> sb.append(d.getLong());
        case FP16 -> appendFloat(sb, fromHalf(d.getShort()));
        case BF16 -> appendFloat(sb, Float.intBitsToFloat((d.getShort() & 0xffff) << 16));
        case FP32 -> appendFloat(sb, d.getFloat());
        case FP64 -> appendDouble(sb, d.getDouble());
        case BYTES -> {
          int length = d.getInt();
          byte[] b = new byte[length];
          d.get(b);
          sb.append(new JsonPrimitive(new String(b, StandardCharsets.UTF_8)));
        }
        default -> throw new AssertionError(t.type());
      }
    }
    sb.append(']');
  }

  private static void appendFloat(StringBuilder sb, float f) {
    if (Float.isFinite(f)) {
      sb.append(f);
    } else {
      sb.append('"').append(f).append('"');
    }
  }

  private static void appendDouble(StringBuilder sb, double v) {
    if (Double.isFinite(v)) {
      sb.append(v);
    } else {
      sb.append('"').append(v).append('"');
    }
  }

  /** IEEE half precision of {@code f}, rounded half to even. */
  static short toHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int val = bits & 0x7fffffff;
    if (val >= 0x7f800000) {
      return (short) (sign | 0x7c00 | (val > 0x7f800000 ? 0x200 : 0));
    }
    if (val >= 0x47800000) {
      return (short) (sign | 0x7c00);
    }
    if (val < 0x38800000) {
      if (val < 0x33000000) {
        return (short) sign;
      }
      int exp = val >>> 23;
      int mant = (val & 0x7fffff) | 0x800000;
      int shift = 126 - exp;
      int r = mant >>> shift;
      int rem = mant & ((1 << shift) - 1);
      int half = 1 << (shift - 1);
      if (rem > half || (rem == half && (r & 1) == 1)) {
        r++;
      }
      return (short) (sign | r);
    }
    int exp = (val >>> 23) - 127 + 15;
    int mant = val & 0x7fffff;
    int r = (exp << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1)) {
      r++;
    }
    return (short) (sign | r);
  }

  /** The float value of an IEEE half. */
  static float fromHalf(short h) {
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

  /** bfloat16 of {@code f}, rounded half to even. */
  static short toBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }
}
