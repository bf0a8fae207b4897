package io.servingkit.paddle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * This side of one connection to a PaddlePaddle worker: the worker gives every connection a predictor of its own.
 * The wire format is described in the worker's {@code Session} class: numbers big-endian, strings modified UTF-8,
 * tensor values raw in the machine's native byte order.
 *
 * <p>Threading: one thread at a time; {@link #close} may be called from any thread and makes a blocked call fail.
 */
final class WorkerConnection implements AutoCloseable {

  private static final int PROTOCOL = 1;
  private static final int PREDICT = 1;
  private static final int OK = 0;
  private static final int BUFFER = 1 << 16;

  /** The worker answered the request with an error instead of outputs (the process is fine). */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message);
    }
  }

  private final SocketChannel channel;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final byte[] scratch = new byte[BUFFER];

  /** Takes over {@code channel} and waits for the worker's greeting (its predictor is then ready). */
  WorkerConnection(SocketChannel channel) throws IOException {
    this.channel = channel;
    try {
      this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), BUFFER));
      this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER));
      int protocol = in.readInt();
      if (protocol != PROTOCOL) {
        throw new IOException("the PaddlePaddle worker speaks protocol " + protocol + ", expected " + PROTOCOL);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Runs the model on {@code inputs}; the outputs are created in {@code manager}.
   *
   * @throws Rejected when Paddle refused the inputs with a Java exception
   * @throws IOException when the connection broke (typically: the worker process ended)
   */
  NDList predict(NDList inputs, NDManager manager) throws IOException, Rejected {
    out.writeInt(PREDICT);
    out.writeInt(inputs.size());
    for (NDArray array : inputs) {
      writeTensor(array);
    }
    out.flush();
    int status = in.readInt();
    if (status != OK) {
      throw new Rejected(in.readUTF());
    }
    int count = in.readInt();
    NDList outputs = new NDList(count);
    for (int i = 0; i < count; i++) {
      outputs.add(readTensor(manager));
    }
    return outputs;
  }

  private void writeTensor(NDArray array) throws IOException {
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
      return;
    }
    while (data.hasRemaining()) {
      int n = Math.min(scratch.length, data.remaining());
      data.get(scratch, 0, n);
      out.write(scratch, 0, n);
    }
  }

  private NDArray readTensor(NDManager manager) throws IOException {
    String name = in.readUTF();
    DataType type = DataType.valueOf(in.readUTF());
    int ndim = in.readInt();
    if (ndim < 0 || ndim > 64) {
      throw new IOException("malformed answer from the PaddlePaddle worker: " + ndim + " dimensions");
    }
    long[] dims = new long[ndim];
    for (int d = 0; d < ndim; d++) {
      dims[d] = in.readLong();
    }
    Shape shape = new Shape(dims);
    int length = in.readInt();
    if (length < 0 || length != shape.size() * type.getNumOfBytes()) {
      throw new IOException("malformed answer from the PaddlePaddle worker: " + length + " bytes for " + type + " " + shape);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    NDArray array =
        manager instanceof PaddleNDManager ? ((PaddleNDManager) manager).wrap(data, shape, type) : manager.create(data, shape, type);
    if (!name.isEmpty()) {
      array.setName(name);
    }
    return array;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing a socket we own; nothing left to release
    }
  }
}
