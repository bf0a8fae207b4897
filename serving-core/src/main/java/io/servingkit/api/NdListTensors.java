package io.servingkit.api;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Open Inference Protocol tensors to and from DJL's NDList encoding, the form in which they reach a model and
 * come back (binary mode, a Java-mode NDList translator, a Python handler's {@code get_as_numpy()}).
 *
 * <p>The NDList layout (big-endian, strings as Java's {@code writeUTF}): {@code int32 count}, then per array
 * {@code "NDAR"}, {@code int32 version} (3), {@code uint8 hasName} [+ name], {@code "DENSE"}, the dtype name,
 * {@code int32 ndim}, {@code int64 x ndim}, {@code int32 nLayout}, {@code uint16 x nLayout}, then for STRING
 * arrays {@code int32 n} and n strings, else {@code uint8 byteOrder}, {@code int32 byteLength} and the data.
 * {@code BYTES} elements travel as DJL STRING elements, so they must be UTF-8 text of at most 65535 bytes.
 */
final class NdListTensors {

  static final String MEDIA_TYPE = "tensor/ndlist";

  private NdListTensors() {}

  /** Whether {@code bytes} start as an NDList does: an array count, then {@code "NDAR"} as a 4-byte string. */
  static boolean looksLikeNdList(ByteBuffer bytes) {
    int p = bytes.position();
    return bytes.remaining() >= 10
        && bytes.get(p + 4) == 0 && bytes.get(p + 5) == 4
        && bytes.get(p + 6) == 'N' && bytes.get(p + 7) == 'D' && bytes.get(p + 8) == 'A' && bytes.get(p + 9) == 'R';
  }

  /** Encodes the tensors, names included. */
  static byte[] encode(List<InferTensor> tensors) {
    List<String[]> strings = new ArrayList<>(tensors.size());
    long size = 4;
    for (InferTensor t : tensors) {
      size += utf("NDAR") + 4 + 1 + utf(t.name()) + utf("DENSE") + utf(t.type().ndListName());
      size += 4 + 8L * t.shapeView().length + 4 + 2L * t.shapeView().length;
      if (t.type() == OipDatatype.BYTES) {
        String[] values = texts(t);
        strings.add(values);
        size += 4;
        for (String s : values) {
          size += utf(s);
        }
      } else {
        strings.add(null);
        size += 1 + 4 + t.byteSize();
      }
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new BadInputException("the request's tensors need " + size + " bytes, more than one request can hold");
    }
    ByteBuffer out = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
    out.putInt(tensors.size());
    for (int i = 0; i < tensors.size(); i++) {
      InferTensor t = tensors.get(i);
      putUtf(out, "NDAR");
      out.putInt(3);
      out.put((byte) 1);
      putUtf(out, t.name());
      putUtf(out, "DENSE");
      putUtf(out, t.type().ndListName());
      long[] shape = t.shapeView();
      out.putInt(shape.length);
      for (long d : shape) {
        out.putLong(d);
      }
      out.putInt(shape.length);
      for (int d = 0; d < shape.length; d++) {
        out.putChar('?');
      }
      String[] values = strings.get(i);
      if (values != null) {
        out.putInt(values.length);
        for (String s : values) {
          putUtf(out, s);
        }
      } else {
        out.put((byte) '<');
        out.putInt(t.byteSize());
        out.put(t.data());
      }
    }
    return out.array();
  }

  /**
   * Decodes an NDList a model answered. Unnamed arrays are named by {@code names} at their position, else
   * {@code output<i>}.
   *
   * @throws IllegalStateException when the bytes are not a well-formed NDList of protocol datatypes
   */
  static List<InferTensor> decode(ByteBuffer body, List<String> names) {
    ByteBuffer in = body.slice().order(ByteOrder.BIG_ENDIAN);
    int count = in.getInt();
    if (count < 0 || count > in.remaining() / 20) {
      throw new IllegalStateException("malformed NDList: " + count + " arrays");
    }
    List<InferTensor> tensors = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (!"NDAR".equals(getUtf(in))) {
        throw new IllegalStateException("malformed NDList: array " + i + " does not start with NDAR");
      }
      int version = in.getInt();
      String name = null;
      if (version > 1 && in.get() == 1) {
        name = getUtf(in);
      }
      getUtf(in);
      String dtype = getUtf(in);
      OipDatatype type = OipDatatype.ofNdList(dtype);
      if (type == null) {
        throw new IllegalStateException("the model answered a " + dtype + " tensor, which the protocol cannot carry");
      }
      int ndim = in.getInt();
      if (ndim < 0 || ndim > InferTensor.MAX_RANK) {
        throw new IllegalStateException("malformed NDList: " + ndim + " dimensions");
      }
      long[] shape = new long[ndim];
      for (int d = 0; d < ndim; d++) {
        shape[d] = in.getLong();
      }
      int layout = in.getInt();
      in.position(in.position() + 2 * layout);
      if (name == null || name.isEmpty()) {
        name = i < names.size() ? names.get(i) : "output" + i;
      }
      ByteBuffer data;
      if (type == OipDatatype.BYTES) {
        int n = in.getInt();
        List<byte[]> elements = new ArrayList<>(Math.max(0, Math.min(n, 1 << 16)));
        long total = 0;
        for (int k = 0; k < n; k++) {
          byte[] b = getUtf(in).getBytes(StandardCharsets.UTF_8);
          elements.add(b);
          total += 4 + b.length;
        }
        data = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] b : elements) {
          data.putInt(b.length).put(b);
        }
        data.flip();
      } else {
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (version > 2 && in.get() == '>') {
          order = ByteOrder.BIG_ENDIAN;
        }
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw new IllegalStateException("malformed NDList: array " + i + " declares " + length + " bytes");
        }
        data = in.slice();
        data.limit(length);
        in.position(in.position() + length);
        if (order == ByteOrder.BIG_ENDIAN && type.width() > 1) {
          data = swapped(data, type.width());
        }
      }
      tensors.add(InferTensor.of(name, type.name(), shape, data));
    }
    return tensors;
  }

  private static ByteBuffer swapped(ByteBuffer data, int width) {
    byte[] out = new byte[data.remaining()];
    for (int i = 0; i < out.length; i += width) {
      for (int b = 0; b < width; b++) {
        out[i + b] = data.get(data.position() + i + width - 1 - b);
      }
    }
    return ByteBuffer.wrap(out);
  }

  /** The BYTES elements as text; each must be UTF-8 that {@code writeUTF} can hold. */
  private static String[] texts(InferTensor t) {
    ByteBuffer data = t.data();
    String[] out = new String[(int) t.elementCount()];
    var decoder =
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int i = 0; i < out.length; i++) {
      int length = data.getInt();
      ByteBuffer element = data.slice();
      element.limit(length);
      data.position(data.position() + length);
      try {
        CharBuffer chars = decoder.decode(element);
        out[i] = chars.toString();
      } catch (CharacterCodingException e) {
        throw new BadInputException(
            "input " + t.name() + ": BYTES element " + i + " is not UTF-8 text; BYTES reach the model as DJL STRING"
                + " elements, which hold text only");
      }
      if (utf(out[i]) - 2 > 65535) {
        throw new BadInputException(
            "input " + t.name() + ": BYTES element " + i + " is longer than the 65535 bytes a DJL STRING element holds");
      }
    }
    return out;
  }

  /** Bytes {@code writeUTF} writes for {@code s}, length prefix included. */
  private static long utf(String s) {
    long n = 2;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c >= 1 && c <= 0x7f ? 1 : c <= 0x7ff ? 2 : 3;
    }
    return n;
  }

  private static void putUtf(ByteBuffer out, String s) {
    int length = (int) utf(s) - 2;
    out.putShort((short) length);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 1 && c <= 0x7f) {
        out.put((byte) c);
      } else if (c <= 0x7ff) {
        out.put((byte) (0xc0 | (c >> 6))).put((byte) (0x80 | (c & 0x3f)));
      } else {
        out.put((byte) (0xe0 | (c >> 12))).put((byte) (0x80 | ((c >> 6) & 0x3f))).put((byte) (0x80 | (c & 0x3f)));
      }
    }
  }

  private static String getUtf(ByteBuffer in) {
    int length = Short.toUnsignedInt(in.getShort());
    if (length > in.remaining()) {
      throw new IllegalStateException("malformed NDList: a string runs past the end");
    }
    StringBuilder sb = new StringBuilder(length);
    int end = in.position() + length;
    while (in.position() < end) {
      int a = in.get() & 0xff;
      if (a < 0x80) {
        sb.append((char) a);
      } else if ((a & 0xe0) == 0xc0) {
        sb.append((char) (((a & 0x1f) << 6) | (in.get() & 0x3f)));
      } else {
        int b = in.get() & 0x3f;
        sb.append((char) (((a & 0x0f) << 12) | (b << 6) | (in.get() & 0x3f)));
      }
    }
    return sb.toString();
  }
}
