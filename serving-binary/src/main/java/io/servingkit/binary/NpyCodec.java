package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format, versions 1.0 to 3.0: {@code \x93NUMPY}, major and minor version, a little-endian header
 * length (u16 in 1.0, u32 after), a Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2,
 * 3), }}, then the raw elements. Fortran order, object arrays and structured types are refused. Unicode ({@code U})
 * and byte ({@code S}) strings decode to STRING tensors; STRING tensors encode as {@code <U}.
 */
final class NpyCodec {
  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGN = 64;
  private static final Pattern WIDTH = Pattern.compile("[0-9]{1,9}");

  private NpyCodec() {}

  /** Whether the body starts with the {@code .npy} magic. */
  static boolean isNpy(ByteBuffer body) {
    if (body.remaining() < MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (body.get(body.position() + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Decodes one {@code .npy} document that fills {@code body} exactly.
   *
   * @param what how error messages name it ({@code .npy}, {@code .npz entry 'x.npy'})
   */
  static Tensor decode(ByteBuffer body, String name, String what) {
    ByteReader in = new ByteReader(body, what);
    for (int i = 0; i < MAGIC.length; i++) {
      if (in.u8("magic") != (MAGIC[i] & 0xff)) {
        throw in.fail("does not start with the \\x93NUMPY magic");
      }
    }
    int major = in.u8("version");
    int minor = in.u8("version");
    if (major < 1 || major > 3 || minor != 0) {
      throw in.fail("unsupported format version " + major + "." + minor + " (expected 1.0, 2.0 or 3.0)");
    }
    long headerLength =
        major == 1 ? in.u16(ByteOrder.LITTLE_ENDIAN, "header length") : in.u32(ByteOrder.LITTLE_ENDIAN, "header length");
    ByteBuffer headerBytes = in.slice(headerLength, "header");
    String header = decodeHeaderText(headerBytes, major == 3, in);
    Map<String, Object> dict = parseHeader(header, in);

    Object fortran = dict.get("fortran_order");
    if (!(fortran instanceof Boolean)) {
      throw in.fail("header's 'fortran_order' is not True or False");
    }
    if ((Boolean) fortran) {
      throw in.fail(
          "Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray) instead");
    }
    long[] shape = parseShape(dict.get("shape"), in);
    Object descr = dict.get("descr");
    if (!(descr instanceof String)) {
      throw in.fail("structured dtypes are not supported (descr is " + typeName(descr) + ")");
    }
    long size;
    try {
      size = Shapes.size(shape);
    } catch (ArithmeticException e) {
      throw in.fail("shape " + Shapes.format(shape) + " has more elements than a long can count");
    }
    return decodeData((String) descr, shape, size, name, in);
  }

  private static String decodeHeaderText(ByteBuffer bytes, boolean utf8, ByteReader in) {
    if (!utf8) {
      return StandardCharsets.ISO_8859_1.decode(bytes).toString();
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw in.fail("header is not valid UTF-8");
    }
  }

  private static Map<String, Object> parseHeader(String header, ByteReader in) {
    Object parsed;
    try {
      parsed = PyLiteral.parse(header);
    } catch (IllegalArgumentException e) {
      throw in.fail("header is not a valid dict literal: " + e.getMessage());
    }
    if (!(parsed instanceof Map)) {
      throw in.fail("header is a " + typeName(parsed) + ", not a dict");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> dict = (Map<String, Object>) parsed;
    if (dict.size() != 3
        || !dict.containsKey("descr")
        || !dict.containsKey("fortran_order")
        || !dict.containsKey("shape")) {
      throw in.fail("header keys are " + dict.keySet() + ", expected [descr, fortran_order, shape]");
    }
    return dict;
  }

  private static long[] parseShape(Object value, ByteReader in) {
    if (!(value instanceof List)) {
      throw in.fail("header's 'shape' is a " + typeName(value) + ", not a tuple");
    }
    List<?> dims = (List<?>) value;
    if (dims.size() > Shapes.MAX_NDIM) {
      throw in.fail("shape has " + dims.size() + " dimensions, more than " + Shapes.MAX_NDIM);
    }
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      Object d = dims.get(i);
      if (!(d instanceof BigInteger)) {
        throw in.fail("shape dimension " + i + " is a " + typeName(d) + ", not an integer");
      }
      BigInteger v = (BigInteger) d;
      if (v.signum() < 0) {
        throw in.fail("shape dimension " + i + " is negative (" + v + ")");
      }
      if (v.bitLength() > 63) {
        throw in.fail("shape dimension " + i + " (" + v + ") is too large");
      }
      shape[i] = v.longValue();
    }
    return shape;
  }

  private static Tensor decodeData(String descr, long[] shape, long size, String name, ByteReader in) {
    if (descr.isEmpty()) {
      throw in.fail("empty descr");
    }
    char first = descr.charAt(0);
    ByteOrder order = first == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    String code = first == '<' || first == '>' || first == '|' || first == '=' ? descr.substring(1) : descr;
    if (code.isEmpty()) {
      throw in.fail("descr '" + descr + "' names no type");
    }
    char kind = code.charAt(0);
    String digits = code.substring(1);
    if (!WIDTH.matcher(digits).matches()) {
      throw in.fail("unsupported dtype '" + NdListCodec.printable(descr) + "'");
    }
    int width = Integer.parseInt(digits);
    if (kind == 'U' || kind == 'S') {
      return decodeStrings(kind, width, order, shape, size, name, in);
    }
    DType dtype = DType.fromNumpy(kind, width);
    if (dtype == null) {
      throw in.fail("unsupported dtype '" + NdListCodec.printable(descr) + "'");
    }
    long expected = size <= Integer.MAX_VALUE ? size * width : Long.MAX_VALUE;
    if (expected != in.remaining()) {
      throw in.fail(
          dtype + " " + Shapes.format(shape) + " needs "
              + (expected == Long.MAX_VALUE ? "over 2^31" : String.valueOf(expected))
              + " data bytes but " + in.remaining() + " follow the header");
    }
    ByteBuffer data = in.slice(expected, "data");
    return Tensor.of(name, dtype, shape, ByteOrders.toLittleEndian(data, order, dtype.swapUnit()));
  }

  private static Tensor decodeStrings(
      char kind, int chars, ByteOrder order, long[] shape, long size, String name, ByteReader in) {
    long elementBytes = kind == 'U' ? 4L * chars : chars;
    if (chars == 0) {
      throw in.fail("zero-width string dtype '" + kind + "0' is not supported");
    }
    if (size > Shapes.MAX_STRINGS) {
      throw in.fail("holds " + size + " strings, more than the limit of " + Shapes.MAX_STRINGS);
    }
    long expected =
        size == 0 ? 0 : size <= Integer.MAX_VALUE / Math.max(1, elementBytes) ? size * elementBytes : -1;
    if (expected != in.remaining()) {
      throw in.fail(
          "'" + kind + chars + "' strings of shape " + Shapes.format(shape) + " need "
              + (expected < 0 ? "over 2^31" : String.valueOf(expected)) + " data bytes but " + in.remaining()
              + " follow the header");
    }
    ByteBuffer data = in.slice(expected, "data").order(order);
    String[] values = new String[(int) size];
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      sb.setLength(0);
      int base = (int) (i * elementBytes);
      if (kind == 'U') {
        for (int c = 0; c < chars; c++) {
          int cp = data.getInt(base + 4 * c);
          if (cp == 0) {
            break;
          }
          if (cp < 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw in.fail("string element " + i + " holds invalid code point 0x" + Integer.toHexString(cp));
          }
          sb.appendCodePoint(cp);
        }
        values[i] = sb.toString();
      } else {
        int end = 0;
        while (end < chars && data.get(base + end) != 0) {
          end++;
        }
        ByteBuffer bytes = data.duplicate();
        bytes.position(base).limit(base + end);
        try {
          values[i] =
              StandardCharsets.UTF_8
                  .newDecoder()
                  .onMalformedInput(CodingErrorAction.REPORT)
                  .onUnmappableCharacter(CodingErrorAction.REPORT)
                  .decode(bytes)
                  .toString();
        } catch (CharacterCodingException e) {
          throw in.fail("byte string element " + i + " is not valid UTF-8");
        }
      }
    }
    return Tensor.ofStrings(name, shape, values);
  }

  private static String typeName(Object o) {
    if (o == null) {
      return "missing value";
    }
    if (o instanceof Map) {
      return "dict";
    }
    if (o instanceof List) {
      return "list or tuple";
    }
    if (o instanceof BigInteger) {
      return "integer";
    }
    if (o instanceof Boolean) {
      return "boolean";
    }
    return "string";
  }

  /**
   * A tensor laid out as a {@code .npy} document: its padded header, computed once, and the size of what follows.
   */
  static final class Layout {
    private final Tensor tensor;
    private final int chars;
    private final byte[] header;
    private final long dataSize;

    Layout(Tensor t) {
      this.tensor = t;
      String descr;
      if (t.dtype() == DType.STRING) {
        chars = maxCodePoints(t.strings());
        descr = "<U" + chars;
        dataSize = Math.multiplyExact(4L * chars, (long) t.strings().length);
      } else {
        String code = t.dtype().numpyCode();
        if (code == null) {
          throw new BadInputException(
              "npz: numpy has no " + t.dtype() + " type; ask for tensor/ndlist or tensor/safetensors instead");
        }
        chars = 0;
        descr = (t.dtype().width() == 1 ? "|" : "<") + code;
        dataSize = t.byteSize();
      }
      header =
          paddedHeader(
              "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + Shapes.format(t.shape()) + ", }");
    }

    /** Bytes {@link #write} produces. */
    long size() {
      return header.length + dataSize;
    }

    /** Writes the document at {@code out}'s position. */
    void write(ByteBuffer out) {
      out.put(header);
      if (tensor.dtype() != DType.STRING) {
        out.put(tensor.data());
        return;
      }
      ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int pos = out.position();
      for (String s : tensor.strings()) {
        int written = 0;
        for (int i = 0; i < s.length(); ) {
          int cp = s.codePointAt(i);
          le.putInt(pos, cp);
          pos += 4;
          written++;
          i += Character.charCount(cp);
        }
        for (; written < chars; written++) {
          le.putInt(pos, 0);
          pos += 4;
        }
      }
      out.position(pos);
    }
  }

  private static int maxCodePoints(String[] values) {
    int max = 1;
    for (String s : values) {
      max = Math.max(max, s.codePointCount(0, s.length()));
    }
    return max;
  }

  /** Magic, version, length field and the dict, padded with spaces and a newline to a multiple of 64 bytes. */
  private static byte[] paddedHeader(String text) {
    byte[] dict = text.getBytes(StandardCharsets.ISO_8859_1);
    int prefix = MAGIC.length + 2 + 2;
    boolean v2 = prefix + dict.length + 1 > 0xffff;
    if (v2) {
      prefix += 2;
    }
    int total = prefix + dict.length + 1;
    int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
    byte[] out = new byte[padded];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC);
    buf.put((byte) (v2 ? 2 : 1)).put((byte) 0);
    int headerLength = padded - prefix;
    if (v2) {
      buf.putInt(headerLength);
    } else {
      buf.putShort((short) headerLength);
    }
    buf.put(dict);
    while (buf.position() < padded - 1) {
      buf.put((byte) ' ');
    }
    buf.put((byte) '\n');
    return out;
  }

  /** A standalone {@code .npy} document. */
  static byte[] encode(Tensor t) {
    Layout layout = new Layout(t);
    if (layout.size() > Integer.MAX_VALUE - 16) {
      throw new BadInputException("npy: the output is " + layout.size() + " bytes, more than one response can hold");
    }
    ByteBuffer out = ByteBuffer.allocate((int) layout.size());
    layout.write(out);
    return out.array();
  }
}
