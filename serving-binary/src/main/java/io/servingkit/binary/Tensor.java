package io.servingkit.binary;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One array as the codecs see it: an optional name, an element type, a shape and the elements in C order. Fixed-width
 * elements are little-endian bytes in {@link #data()}; {@link DType#STRING} elements are in {@link #strings()}.
 *
 * <p>The data buffer may be a view of a request body or of engine memory: a tensor is a short-lived value that
 * does not own what it points to. Threading: immutable, but the buffer it wraps must not change while in use.
 */
final class Tensor {
  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data;
  private final String[] strings;

  private Tensor(String name, DType dtype, long[] shape, ByteBuffer data, String[] strings) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
    this.strings = strings;
  }

  /**
   * A fixed-width tensor over {@code data}'s remaining bytes (little-endian, C order).
   *
   * @throws IllegalArgumentException when the byte count does not match the shape
   */
  static Tensor of(String name, DType dtype, long[] shape, ByteBuffer data) {
    if (dtype == DType.STRING) {
      throw new IllegalArgumentException("STRING tensors hold strings, not bytes");
    }
    long[] dims = shape.clone();
    long expected = Shapes.byteSize(dims, dtype.width());
    if (expected != data.remaining()) {
      throw new IllegalArgumentException(
          dtype + " " + Shapes.format(dims) + " needs " + expected + " bytes, got " + data.remaining());
    }
    return new Tensor(name, dtype, dims, data.slice().order(ByteOrder.LITTLE_ENDIAN), null);
  }

  /**
   * A STRING tensor.
   *
   * @throws IllegalArgumentException when the element count does not match the shape
   */
  static Tensor ofStrings(String name, long[] shape, String[] values) {
    long[] dims = shape.clone();
    if (Shapes.size(dims) != values.length) {
      throw new IllegalArgumentException(
          "shape " + Shapes.format(dims) + " needs " + Shapes.size(dims) + " strings, got " + values.length);
    }
    for (String v : values) {
      Objects.requireNonNull(v, "string element");
    }
    return new Tensor(name, DType.STRING, dims, null, values.clone());
  }

  /** The name, or null when unnamed. */
  String name() {
    return name;
  }

  /** A copy of this tensor under another name (null = unnamed). */
  Tensor withName(String newName) {
    return new Tensor(newName, dtype, shape, data, strings);
  }

  DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  long[] shape() {
    return shape.clone();
  }

  int ndim() {
    return shape.length;
  }

  long dim(int axis) {
    return shape[axis];
  }

  /** Number of elements. */
  long size() {
    return Shapes.size(shape);
  }

  /** The element bytes: a fresh little-endian view positioned at 0. Not for {@link DType#STRING}. */
  ByteBuffer data() {
    if (data == null) {
      throw new IllegalStateException("STRING tensors have no byte data");
    }
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Byte size of the data; 0 for STRING. */
  int byteSize() {
    return data == null ? 0 : data.remaining();
  }

  /** The string elements; only for {@link DType#STRING}. The array is shared: do not modify it. */
  String[] strings() {
    if (strings == null) {
      throw new IllegalStateException(dtype + " tensors have no string elements");
    }
    return strings;
  }

  /** Whether both tensors have the same name, type, shape and elements. */
  boolean sameAs(Tensor other) {
    return Objects.equals(name, other.name)
        && dtype == other.dtype
        && Arrays.equals(shape, other.shape)
        && (dtype == DType.STRING ? Arrays.equals(strings, other.strings) : data().equals(other.data()));
  }

  @Override
  public String toString() {
    return (name == null ? "" : name + ": ") + dtype + " " + Shapes.format(shape);
  }
}
