package io.servingkit.binary;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds tensors with deterministic contents for tests. */
final class TestTensors {
  private TestTensors() {}

  /** A tensor of {@code dtype} and {@code shape} filled with values derived from {@code seed}. */
  static Tensor random(String name, DType dtype, long[] shape, long seed) {
    Random random = new Random(seed);
    int n = Math.toIntExact(Shapes.size(shape));
    if (dtype == DType.STRING) {
      String[] values = new String[n];
      String alphabet = "abcé€😀,\"\n xyz";
      for (int i = 0; i < n; i++) {
        StringBuilder sb = new StringBuilder();
        int len = random.nextInt(6);
        for (int k = 0; k < len; ) {
          int cp = alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length()))));
          sb.appendCodePoint(cp);
          k++;
        }
        values[i] = sb.toString();
      }
      return Tensor.ofStrings(name, shape, values);
    }
    ByteBuffer data = ByteBuffer.allocate(n * dtype.width()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (dtype) {
        case FLOAT32:
          data.putFloat((float) random.nextGaussian());
          break;
        case FLOAT64:
          data.putDouble(random.nextGaussian());
          break;
        case FLOAT16:
        case BFLOAT16:
          // finite values only: exponent bits never all ones
          data.putShort((short) (random.nextInt(0x7800) | (random.nextBoolean() ? 0x8000 : 0)));
          break;
        case BOOLEAN:
          data.put((byte) (random.nextBoolean() ? 1 : 0));
          break;
        case COMPLEX64:
          data.putFloat((float) random.nextGaussian()).putFloat((float) random.nextGaussian());
          break;
        default:
          for (int k = 0; k < dtype.width(); k++) {
            data.put((byte) random.nextInt(256));
          }
      }
    }
    data.flip();
    return Tensor.of(name, dtype, shape, data);
  }

  static Tensor floats(String name, long[] shape, float... values) {
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      data.putFloat(v);
    }
    data.flip();
    return Tensor.of(name, DType.FLOAT32, shape, data);
  }

  static long[] shape(long... dims) {
    return dims;
  }

  /** The little-endian floats of a FLOAT32 tensor. */
  static float[] floatsOf(Tensor t) {
    ByteBuffer data = t.data();
    float[] out = new float[data.remaining() / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.getFloat(i * 4);
    }
    return out;
  }
}
