package io.servingkit.api;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of an Open Inference Protocol request or response, in the protocol's raw form: a name, a datatype
 * ({@code BOOL}, {@code UINT8} ... {@code UINT64}, {@code INT8} ... {@code INT64}, {@code FP16}, {@code BF16},
 * {@code FP32}, {@code FP64}, {@code BYTES}), a shape and the elements in row-major order as little-endian bytes.
 * A {@code BOOL} element is one byte; each {@code BYTES} element is a 4-byte little-endian length followed by that
 * many bytes. This is the layout of the binary tensor data extension and of gRPC's {@code raw_input_contents}.
 *
 * <p>Threading: immutable once made; the data buffer is shared with whoever made the tensor (a request body) and
 * must not change while the tensor is in use.
 */
public final class InferTensor {

  /** Most dimensions a tensor may have. */
  static final int MAX_RANK = 32;

  private final String name;
  private final OipDatatype datatype;
  private final long[] shape;
  private final ByteBuffer data;
  private final long elements;

  private InferTensor(String name, OipDatatype datatype, long[] shape, ByteBuffer data, long elements) {
    this.name = name;
    this.datatype = datatype;
    this.shape = shape;
    this.data = data;
    this.elements = elements;
  }

  /**
   * A tensor over {@code data}'s remaining bytes, checked against the datatype and shape.
   *
   * @throws BadInputException when the datatype is unknown, a dimension is negative, or the bytes do not hold
   *     exactly the elements the shape declares (for {@code BYTES}: the length prefixes do not add up)
   */
  public static InferTensor of(String name, String datatype, long[] shape, ByteBuffer data) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    OipDatatype type = OipDatatype.of(datatype, name);
    long[] dims = shape.clone();
    long count = elementCount(name, dims);
    ByteBuffer bytes = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (type == OipDatatype.BYTES) {
      checkBytesElements(name, bytes, count);
    } else if (count * type.width() != bytes.remaining()) {
      throw new BadInputException(
          "tensor " + name + ": " + datatype + " " + Arrays.toString(dims) + " needs " + count * type.width()
              + " bytes of data, got " + bytes.remaining());
    }
    return new InferTensor(name, type, dims, bytes, count);
  }

  /** The element count of a shape, refusing negative dimensions and counts over 2^31. */
  static long elementCount(String name, long[] shape) {
    if (shape.length > MAX_RANK) {
      throw new BadInputException("tensor " + name + " has " + shape.length + " dimensions, more than " + MAX_RANK);
    }
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new BadInputException("tensor " + name + " has negative dimension " + d + " in shape " + Arrays.toString(shape));
      }
      if (d != 0 && count > Integer.MAX_VALUE / d) {
        count = Long.MAX_VALUE;
      } else {
        count *= d;
      }
    }
    if (count > Integer.MAX_VALUE) {
      throw new BadInputException(
          "tensor " + name + " declares shape " + Arrays.toString(shape) + ": more than 2^31 elements");
    }
    return count;
  }

  private static void checkBytesElements(String name, ByteBuffer bytes, long count) {
    int pos = bytes.position();
    int end = bytes.limit();
    for (long i = 0; i < count; i++) {
      if (end - pos < 4) {
        throw new BadInputException(
            "tensor " + name + ": BYTES data ends at element " + i + " of " + count + " (no 4-byte length left)");
      }
      long length = Integer.toUnsignedLong(bytes.getInt(pos));
      pos += 4;
      if (length > end - pos) {
        throw new BadInputException(
            "tensor " + name + ": BYTES element " + i + " declares " + length + " bytes but only " + (end - pos)
                + " remain");
      }
      pos += (int) length;
    }
    if (pos != end) {
      throw new BadInputException(
          "tensor " + name + ": " + (end - pos) + " bytes left over after the " + count + " BYTES elements of its shape");
    }
  }

  /** The tensor's name. */
  public String name() {
    return name;
  }

  /** The datatype name, e.g. {@code FP32}. */
  public String datatype() {
    return datatype.name();
  }

  OipDatatype type() {
    return datatype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  long[] shapeView() {
    return shape;
  }

  /** Number of elements. */
  public long elementCount() {
    return elements;
  }

  /** The raw little-endian bytes: a new view, positioned at 0, each call. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Byte size of the raw data. */
  public int byteSize() {
    return data.remaining();
  }

  /** The same tensor under another name. */
  InferTensor withName(String newName) {
    return new InferTensor(newName, datatype, shape, data, elements);
  }

  @Override
  public String toString() {
    return name + ": " + datatype + " " + Arrays.toString(shape);
  }
}
