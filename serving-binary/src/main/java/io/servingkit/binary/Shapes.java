package io.servingkit.binary;

/** Shape arithmetic that never overflows silently. */
final class Shapes {
  /** The most dimensions a decoded array may have. */
  static final int MAX_NDIM = 64;

  /** The most string elements one request may carry (strings cost far more memory than their bytes). */
  static final int MAX_STRINGS = 1 << 20;

  private Shapes() {}

  /**
   * Number of elements of a shape.
   *
   * @throws ArithmeticException when the product overflows a long
   * @throws IllegalArgumentException for a negative dimension
   */
  static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension " + d + " in shape " + format(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * Bytes needed by a shape of {@code width}-byte elements.
   *
   * @throws ArithmeticException when the product overflows a long
   */
  static long byteSize(long[] shape, int width) {
    return Math.multiplyExact(size(shape), (long) width);
  }

  /** Python-style shape text: {@code ()}, {@code (3,)}, {@code (1, 3, 224, 224)}. */
  static String format(long[] shape) {
    StringBuilder sb = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    if (shape.length == 1) {
      sb.append(',');
    }
    return sb.append(')').toString();
  }
}
