package io.servingkit.binary;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Byte-order conversion of fixed-width element data. */
final class ByteOrders {
  private ByteOrders() {}

  /**
   * Returns {@code data} as little-endian elements of {@code width} bytes: the same view when it already is (or the
   * elements are single bytes), otherwise a swapped copy.
   */
  static ByteBuffer toLittleEndian(ByteBuffer data, ByteOrder order, int width) {
    if (order == ByteOrder.LITTLE_ENDIAN || width <= 1) {
      return data;
    }
    return swap(data, width);
  }

  /** A copy of {@code data} with the bytes of every {@code width}-byte element reversed. */
  static ByteBuffer swap(ByteBuffer data, int width) {
    int n = data.remaining();
    byte[] out = new byte[n];
    int base = data.position();
    for (int i = 0; i < n; i += width) {
      for (int k = 0; k < width; k++) {
        out[i + k] = data.get(base + i + width - 1 - k);
      }
    }
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }
}
