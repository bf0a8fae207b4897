package io.servingkit.binary;

import java.nio.ByteBuffer;

/** Renders the elements of a fixed-width tensor as text, the way JSON and CSV outputs show them. */
final class Elements {
  private Elements() {}

  /**
   * Appends element {@code index} of {@code data} (little-endian {@code dtype} elements). Floats print as Java's
   * shortest round-trip form; non-finite floats as {@code NaN}, {@code Infinity}, {@code -Infinity}.
   */
  static void append(StringBuilder sb, DType dtype, ByteBuffer data, long index) {
    int at = (int) (index * dtype.width());
    switch (dtype) {
      case FLOAT32:
        appendFloat(sb, data.getFloat(at));
        break;
      case FLOAT64:
        appendDouble(sb, data.getDouble(at));
        break;
      case FLOAT16:
        appendFloat(sb, halfToFloat(data.getShort(at)));
        break;
      case BFLOAT16:
        appendFloat(sb, Float.intBitsToFloat((data.getShort(at) & 0xffff) << 16));
        break;
      case UINT8:
        sb.append(data.get(at) & 0xff);
        break;
      case INT8:
        sb.append(data.get(at));
        break;
      case INT16:
        sb.append(data.getShort(at));
        break;
      case UINT16:
        sb.append(data.getShort(at) & 0xffff);
        break;
      case INT32:
        sb.append(data.getInt(at));
        break;
      case UINT32:
        sb.append(data.getInt(at) & 0xffffffffL);
        break;
      case INT64:
        sb.append(data.getLong(at));
        break;
      case UINT64:
        sb.append(Long.toUnsignedString(data.getLong(at)));
        break;
      case BOOLEAN:
        sb.append(data.get(at) != 0);
        break;
      case COMPLEX64:
        sb.append('[');
        appendFloat(sb, data.getFloat(at));
        sb.append(',');
        appendFloat(sb, data.getFloat(at + 4));
        sb.append(']');
        break;
      default:
        throw new IllegalArgumentException("not a fixed-width type: " + dtype);
    }
  }

  /** IEEE 754 half precision to float. */
  static float halfToFloat(short half) {
    int bits = half & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float v = mantissa * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  private static void appendFloat(StringBuilder sb, float f) {
    if (Float.isFinite(f)) {
      sb.append(f);
    } else {
      sb.append(Float.isNaN(f) ? "NaN" : f > 0 ? "Infinity" : "-Infinity");
    }
  }

  private static void appendDouble(StringBuilder sb, double d) {
    if (!Double.isFinite(d)) {
      sb.append(Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
    } else if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
      sb.append((long) d);
    } else {
      sb.append(d);
    }
  }
}
