package io.servingkit.paddle.worker;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * One connection: a predictor of its own, then requests answered one at a time until the serving JVM closes it.
 *
 * <p>Wire format (big-endian {@link DataOutputStream} numbers and modified-UTF-8 strings): on connect the worker
 * sends {@code int 1} (the protocol version) once its predictor exists. A request is {@code int 1} (predict),
 * {@code int count} and {@code count} tensors; a tensor is {@code UTF name} (empty for none), {@code UTF dtype}
 * (a DJL {@code DataType} name such as {@code FLOAT32}), {@code int ndim}, {@code long} × ndim, {@code int
 * byteLength} and the values in the machine's native byte order (both processes run on the same machine). The
 * answer is {@code int 0}, {@code int count} and the output tensors, or {@code int 1} and {@code UTF message} when
 * Paddle rejected the request by throwing a Java exception (a C++ exception ends the process).
 */
final class Session implements Runnable {

  private static final int PROTOCOL = 1;
  private static final int PREDICT = 1;

  private final SocketChannel channel;
  private final Model model;

  Session(SocketChannel channel, Model model) {
    this.channel = channel;
    this.model = model;
  }

  @Override
  public void run() {
    try (SocketChannel c = channel;
        Predictor<NDList, NDList> predictor = newPredictor()) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(c), 1 << 16));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(c), 1 << 16));
      out.writeInt(PROTOCOL);
      out.flush();
      while (true) {
        int kind;
        try {
          kind = in.readInt();
        } catch (EOFException e) {
          return;
        }
        if (kind != PREDICT) {
          throw new IOException("unknown request kind " + kind);
        }
        serve(in, out, predictor);
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("paddle worker session ended: " + e);
    }
  }

  /** Clones the loaded predictor; cloning is not safe from several threads at once. */
  private Predictor<NDList, NDList> newPredictor() {
    synchronized (model) {
      return model.newPredictor(new NoopTranslator());
    }
  }

  private void serve(DataInputStream in, DataOutputStream out, Predictor<NDList, NDList> predictor) throws IOException {
    try (NDManager manager = model.getNDManager().newSubManager()) {
      int count = in.readInt();
      NDList inputs = new NDList(count);
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        DataType type = DataType.valueOf(in.readUTF());
        long[] dims = new long[in.readInt()];
        for (int d = 0; d < dims.length; d++) {
          dims[d] = in.readLong();
        }
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        ByteBuffer data = manager.allocateDirect(bytes.length);
        data.put(bytes).flip();
        NDArray array = manager.create(data, new Shape(dims), type);
        if (!name.isEmpty()) {
          array.setName(name);
        }
        inputs.add(array);
      }
      NDList outputs;
      try {
        outputs = predictor.predict(inputs);
      } catch (Exception e) {
        out.writeInt(1);
        out.writeUTF(String.valueOf(rootMessage(e)));
        return;
      }
      out.writeInt(0);
      out.writeInt(outputs.size());
      for (NDArray array : outputs) {
        String name = array.getName();
        out.writeUTF(name == null ? "" : name);
        out.writeUTF(array.getDataType().name());
        long[] dims = array.getShape().getShape();
        out.writeInt(dims.length);
        for (long dim : dims) {
          out.writeLong(dim);
        }
        ByteBuffer data = array.toByteBuffer().order(ByteOrder.nativeOrder());
        out.writeInt(data.remaining());
        if (data.hasArray()) {
          out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        } else {
          byte[] bytes = new byte[data.remaining()];
          data.get(bytes);
          out.write(bytes);
        }
      }
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.toString() : root.getMessage();
  }
}
