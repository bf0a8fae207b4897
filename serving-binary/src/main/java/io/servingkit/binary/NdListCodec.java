package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL's NDList wire format (big-endian; strings as {@code writeUTF}): {@code int32 count}, then per array
 * {@code "NDAR"}, {@code int32 version} (1 to 3), [v2+: {@code uint8 hasName} and the name], {@code sparse format},
 * {@code dtype name}, {@code int32 ndim}, {@code int64 x ndim}, {@code int32 nLayout}, {@code uint16 x nLayout}, then
 * for STRING {@code int32 n} and n strings, else [v3: {@code uint8 byteOrder '<'|'>'}], {@code int32 byteLength} and
 * the C-order bytes. Version 1 and 2 data is little-endian (the byte order of the machines that wrote it).
 *
 * <p>Encoding writes version 3 exactly as DJL's {@code NDList.encode()} does, so DJL reads it back unchanged.
 */
final class NdListCodec {
  static final String MEDIA_TYPE = "tensor/ndlist";
  private static final String MAGIC = "NDAR";
  private static final int VERSION = 3;
  /** Fewest bytes one array can take (version 1, empty strings, 0-d, empty data). */
  private static final int MIN_ARRAY_BYTES = 6 + 4 + 2 + 3 + 4 + 4 + 4;

  private NdListCodec() {}

  static List<Tensor> decode(ByteBuffer body) {
    ByteReader in = new ByteReader(body, "NDList");
    int count = in.i32(ByteOrder.BIG_ENDIAN, "array count");
    if (count < 0) {
      throw in.fail("negative array count " + count);
    }
    if (count > in.remaining() / MIN_ARRAY_BYTES) {
      throw in.fail(
          "declares " + count + " arrays but " + in.remaining() + " bytes can hold at most "
              + in.remaining() / MIN_ARRAY_BYTES);
    }
    List<Tensor> list = new ArrayList<>(count);
    long strings = 0;
    for (int i = 0; i < count; i++) {
      Tensor t = decodeArray(in, "array " + i, Shapes.MAX_STRINGS - strings);
      if (t.dtype() == DType.STRING) {
        strings += t.size();
      }
      list.add(t);
    }
    if (in.remaining() > 0) {
      throw in.fail(in.remaining() + " unexpected bytes after the last of " + count + " arrays");
    }
    return list;
  }

  private static Tensor decodeArray(ByteReader in, String what, long stringBudget) {
    String magic = in.utf(what + " magic");
    if (!MAGIC.equals(magic)) {
      throw in.fail(what + " starts with '" + printable(magic) + "' instead of 'NDAR'");
    }
    int version = in.i32(ByteOrder.BIG_ENDIAN, what + " version");
    if (version < 1 || version > VERSION) {
      throw in.fail(what + " has unsupported encoding version " + version + " (expected 1 to 3)");
    }
    String name = null;
    if (version > 1) {
      int hasName = in.u8(what + " name flag");
      if (hasName == 1) {
        name = in.utf(what + " name");
      } else if (hasName != 0) {
        throw in.fail(what + " has name flag " + hasName + " (expected 0 or 1)");
      }
    }
    in.utf(what + " sparse format");
    String typeName = in.utf(what + " dtype");
    DType dtype = DType.fromNdListName(typeName);
    if (dtype == null) {
      throw in.fail(what + " has unknown dtype '" + printable(typeName) + "'");
    }
    long[] shape = decodeShape(in, what);
    long size = checkedSize(in, shape, what);
    if (dtype == DType.STRING) {
      int n = in.i32(ByteOrder.BIG_ENDIAN, what + " string count");
      if (n != size) {
        throw in.fail(what + " has shape " + Shapes.format(shape) + " but holds " + n + " strings");
      }
      if (n > stringBudget) {
        throw in.fail("holds more than the limit of " + Shapes.MAX_STRINGS + " strings");
      }
      if (n > in.remaining() / 2) {
        throw in.fail(what + " declares " + n + " strings but only " + in.remaining() + " bytes remain");
      }
      String[] values = new String[n];
      for (int k = 0; k < n; k++) {
        values[k] = in.utf(what + " string " + k);
      }
      return Tensor.ofStrings(name, shape, values);
    }
    ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    if (version == VERSION) {
      int mark = in.u8(what + " byte order");
      if (mark == '>') {
        order = ByteOrder.BIG_ENDIAN;
      } else if (mark != '<' && mark != '|' && mark != '=') {
        throw in.fail(what + " has unknown byte order mark 0x" + Integer.toHexString(mark));
      }
    }
    int length = in.i32(ByteOrder.BIG_ENDIAN, what + " data length");
    if (length < 0) {
      throw in.fail(what + " has negative data length " + length);
    }
    long expected = size <= Integer.MAX_VALUE ? size * dtype.width() : Long.MAX_VALUE;
    if (expected != length) {
      throw in.fail(
          what + " is " + dtype + " " + Shapes.format(shape) + " (" + (expected == Long.MAX_VALUE ? "over 2^31" : expected) + " bytes) but declares "
              + length + " data bytes");
    }
    ByteBuffer data = in.slice(length, what + " data");
    return Tensor.of(name, dtype, shape, ByteOrders.toLittleEndian(data, order, dtype.swapUnit()));
  }

  private static long[] decodeShape(ByteReader in, String what) {
    int ndim = in.i32(ByteOrder.BIG_ENDIAN, what + " ndim");
    if (ndim < 0 || ndim > Shapes.MAX_NDIM) {
      throw in.fail(what + " has " + ndim + " dimensions (expected 0 to " + Shapes.MAX_NDIM + ")");
    }
    long[] shape = new long[ndim];
    for (int d = 0; d < ndim; d++) {
      shape[d] = in.i64(ByteOrder.BIG_ENDIAN, what + " dimension " + d);
      if (shape[d] < 0) {
        throw in.fail(what + " has negative dimension " + shape[d]);
      }
    }
    int layout = in.i32(ByteOrder.BIG_ENDIAN, what + " layout length");
    if (layout < 0) {
      throw in.fail(what + " has negative layout length " + layout);
    }
    in.skip(2L * layout, what + " layout");
    return shape;
  }

  private static long checkedSize(ByteReader in, long[] shape, String what) {
    try {
      return Shapes.size(shape);
    } catch (ArithmeticException e) {
      throw in.fail(what + " has shape " + Shapes.format(shape) + " whose element count overflows");
    }
  }

  /** Bytes {@link #encode} writes. */
  static long encodedSize(List<Tensor> tensors) {
    long n = 4;
    for (Tensor t : tensors) {
      n += 2 + 4 + 4 + 1 + 2 + 5 + 2 + t.dtype().ndListName().length();
      if (t.name() != null) {
        n += 2 + utfLength(t.name(), "array name");
      }
      n += 4 + 8L * t.ndim() + 4 + 2L * t.ndim();
      if (t.dtype() == DType.STRING) {
        n += 4;
        for (String s : t.strings()) {
          n += 2 + utfLength(s, "string element");
        }
      } else {
        n += 1 + 4 + t.byteSize();
      }
    }
    return n;
  }

  static byte[] encode(List<Tensor> tensors) {
    long total = encodedSize(tensors);
    if (total > Integer.MAX_VALUE - 16) {
      throw new BadInputException("NDList: the output is " + total + " bytes, more than one response can hold");
    }
    byte[] out = new byte[(int) total];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.BIG_ENDIAN);
    buf.putInt(tensors.size());
    for (Tensor t : tensors) {
      putUtf(buf, MAGIC);
      buf.putInt(VERSION);
      if (t.name() == null) {
        buf.put((byte) 0);
      } else {
        buf.put((byte) 1);
        putUtf(buf, t.name());
      }
      putUtf(buf, "DENSE");
      putUtf(buf, t.dtype().ndListName());
      buf.putInt(t.ndim());
      for (long d : t.shape()) {
        buf.putLong(d);
      }
      buf.putInt(t.ndim());
      for (int d = 0; d < t.ndim(); d++) {
        buf.putChar('?');
      }
      if (t.dtype() == DType.STRING) {
        String[] values = t.strings();
        buf.putInt(values.length);
        for (String s : values) {
          putUtf(buf, s);
        }
      } else {
        buf.put((byte) '<');
        buf.putInt(t.byteSize());
        buf.put(t.data());
      }
    }
    return out;
  }

  private static int utfLength(String s, String what) {
    int n = ModifiedUtf8.length(s);
    if (n > ModifiedUtf8.MAX_BYTES) {
      throw new BadInputException(
          "NDList: an " + what + " of " + n + " bytes is longer than the format's limit of 65535");
    }
    return n;
  }

  private static void putUtf(ByteBuffer buf, String s) {
    buf.putShort((short) ModifiedUtf8.length(s));
    ModifiedUtf8.encode(s, buf);
  }

  /** A string safe to quote in an error message: at most 40 characters, control characters escaped. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 40; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (s.length() > 40) {
      sb.append("...");
    }
    return sb.toString();
  }
}
