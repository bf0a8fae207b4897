package io.servingkit.paddle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes PaddlePaddle inference models without Paddle: the program ({@code ProgramDesc} protocol buffer, field
 * numbers from Paddle's public {@code framework.proto}) and the parameters (LoDTensor records in name order).
 *
 * <p>The model is one fully connected layer: {@code feed(x) -> matmul_v2(x, fc.w) -> elementwise_add(., fc.b) ->
 * fetch}, with {@code x} declared {@code float32 [-1, in]} (or with other declared dimensions, to get past the
 * serving side's input check).
 */
final class PaddleModels {

  private static final int FP32 = 5;
  private static final int LOD_TENSOR = 7;
  private static final int FEED_MINIBATCH = 9;
  private static final int FETCH_LIST = 10;
  private static final int ATTR_INT = 0;
  private static final int ATTR_BOOLEAN = 6;

  /** A linear layer's weights: {@code w} is in × out, {@code b} has out values. */
  record Linear(float[][] w, float[] b) {

    int in() {
      return w.length;
    }

    int out() {
      return b.length;
    }

    /** {@code x · w + b} for each row of {@code x}, computed here in double precision. */
    float[][] apply(float[][] x) {
      float[][] y = new float[x.length][out()];
      for (int r = 0; r < x.length; r++) {
        for (int j = 0; j < out(); j++) {
          double sum = b[j];
          for (int i = 0; i < in(); i++) {
            sum += (double) x[r][i] * w[i][j];
          }
          y[r][j] = (float) sum;
        }
      }
      return y;
    }
  }

  /** 4 inputs, 3 outputs; weights (k + 1) * 0.5 in row-major order, bias (0.25, -1, 2). */
  static final Linear SMALL =
      new Linear(new float[][] {{0.5f, 1f, 1.5f}, {2f, 2.5f, 3f}, {3.5f, 4f, 4.5f}, {5f, 5.5f, 6f}}, new float[] {0.25f, -1f, 2f});

  /** Another 4 → 3 layer, for a second model in the same server. */
  static final Linear OTHER =
      new Linear(new float[][] {{-1f, 0f, 1f}, {0f, 2f, 0f}, {1f, 0f, -1f}, {0.5f, 0.5f, 0.5f}}, new float[] {10f, 20f, 30f});

  private PaddleModels() {}

  /** Writes {@code <prefix>.pdmodel} and {@code <prefix>.pdiparams} into {@code dir}, {@code x} declared [-1, in]. */
  static Path write(Path dir, String prefix, Linear layer) throws IOException {
    return write(dir, prefix, layer, new long[] {-1, layer.in()});
  }

  /** As {@link #write(Path, String, Linear)}, with {@code x} declared with {@code xDims}. */
  static Path write(Path dir, String prefix, Linear layer, long[] xDims) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(prefix + ".pdmodel"), program(layer, xDims));
    ByteArrayOutputStream params = new ByteArrayOutputStream();
    // "fc.b" < "fc.w": Paddle loads combined parameters in sorted name order
    record(params, layer.b(), layer.out());
    float[] w = new float[layer.in() * layer.out()];
    for (int i = 0; i < layer.in(); i++) {
      System.arraycopy(layer.w()[i], 0, w, i * layer.out(), layer.out());
    }
    record(params, w, layer.in(), layer.out());
    Files.write(dir.resolve(prefix + ".pdiparams"), params.toByteArray());
    return dir;
  }

  static byte[] program(Linear layer, long[] xDims) {
    ProtoWriter block = new ProtoWriter().varint(1, 0).varint(2, -1);
    block.message(3, new ProtoWriter().string(1, "feed").message(2, new ProtoWriter().varint(1, FEED_MINIBATCH)).varint(3, 1));
    block.message(3, new ProtoWriter().string(1, "fetch").message(2, new ProtoWriter().varint(1, FETCH_LIST)).varint(3, 1));
    block.message(3, tensorVar("x", false, xDims));
    block.message(3, tensorVar("fc.w", true, layer.in(), layer.out()));
    block.message(3, tensorVar("fc.b", true, layer.out()));
    block.message(3, tensorVar("fc.xw", false, -1, layer.out()));
    block.message(3, tensorVar("out", false, -1, layer.out()));
    block.message(4, op("feed", new String[] {"X", "feed"}, null, new String[] {"Out", "x"}).message(4, intAttr("col", 0)));
    block.message(
        4,
        op("matmul_v2", new String[] {"X", "x"}, new String[] {"Y", "fc.w"}, new String[] {"Out", "fc.xw"})
            .message(4, boolAttr("trans_x", false))
            .message(4, boolAttr("trans_y", false)));
    block.message(
        4, op("elementwise_add", new String[] {"X", "fc.xw"}, new String[] {"Y", "fc.b"}, new String[] {"Out", "out"})
            .message(4, intAttr("axis", -1)));
    block.message(4, op("fetch", new String[] {"X", "out"}, null, new String[] {"Out", "fetch"}).message(4, intAttr("col", 0)));
    return new ProtoWriter().message(1, block).toByteArray();
  }

  private static ProtoWriter tensorDesc(long... dims) {
    ProtoWriter desc = new ProtoWriter().varint(1, FP32);
    for (long dim : dims) {
      desc.varint(2, dim);
    }
    return desc;
  }

  private static ProtoWriter tensorVar(String name, boolean persistable, long... dims) {
    ProtoWriter type = new ProtoWriter().varint(1, LOD_TENSOR).message(3, new ProtoWriter().message(1, tensorDesc(dims)));
    ProtoWriter var = new ProtoWriter().string(1, name).message(2, type);
    return persistable ? var.varint(3, 1) : var;
  }

  private static ProtoWriter op(String type, String[] x, String[] y, String[] out) {
    ProtoWriter op = new ProtoWriter().message(1, new ProtoWriter().string(1, x[0]).string(2, x[1]));
    if (y != null) {
      op.message(1, new ProtoWriter().string(1, y[0]).string(2, y[1]));
    }
    return op.message(2, new ProtoWriter().string(1, out[0]).string(2, out[1])).string(3, type);
  }

  private static ProtoWriter intAttr(String name, int value) {
    return new ProtoWriter().string(1, name).varint(2, ATTR_INT).varint(3, value);
  }

  private static ProtoWriter boolAttr(String name, boolean value) {
    return new ProtoWriter().string(1, name).varint(2, ATTR_BOOLEAN).varint(10, value ? 1 : 0);
  }

  /** One LoDTensor record: version, no LoD, tensor version, TensorDesc, raw little-endian values. */
  private static void record(ByteArrayOutputStream out, float[] values, long... dims) {
    byte[] desc = tensorDesc(dims).toByteArray();
    ByteBuffer buffer = ByteBuffer.allocate(4 + 8 + 4 + 4 + desc.length + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(0).putLong(0).putInt(0).putInt(desc.length).put(desc);
    for (float v : values) {
      buffer.putFloat(v);
    }
    out.write(buffer.array(), 0, buffer.capacity());
  }
}
