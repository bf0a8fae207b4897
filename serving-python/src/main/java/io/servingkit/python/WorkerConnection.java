package io.servingkit.python;

import ai.djl.ndarray.BytesSupplier;
import ai.djl.util.PairList;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java end of the socket to one Python worker: writes requests and reads replies in the framing described
 * in {@code servingkit_worker.py}. One request is one gathering write (a small head, then the content buffers
 * as they are); one reply is read through a 64 KiB buffer, large content straight into its own array.
 *
 * <p>Threading: one thread at a time sends and receives; {@link #close} may be called from any thread and
 * makes a blocked read or write fail at once.
 */
final class WorkerConnection implements Closeable {
  static final byte KIND_INIT = 1;
  static final byte KIND_PREDICT = 2;
  private static final byte REPLY_OUTPUT = 1;
  private static final byte REPLY_STREAM = 2;
  private static final byte REPLY_ERROR = 3;
  private static final int MAX_HEAD = 64 << 20;
  private static final int SOCKET_BUFFER = 2 << 20;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SocketChannel channel;
  private ByteBuffer head = ByteBuffer.allocateDirect(16 << 10);
  private ByteBuffer in = ByteBuffer.allocateDirect(64 << 10).flip();

  /** A piece of a streamed answer; {@code last} marks the end of the stream. */
  record Chunk(byte[] data, boolean last) {}

  WorkerConnection(SocketChannel channel) throws IOException {
    this.channel = channel;
    // room for a whole large request in the kernel: one write instead of a ping-pong of partial ones
    channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
    channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
  }

  /** Sends one request. */
  void send(byte kind, Map<String, String> properties, PairList<String, BytesSupplier> content)
      throws IOException {
    head.clear();
    head.putInt(0);
    head.put(kind);
    head.putInt(properties.size());
    for (Map.Entry<String, String> property : properties.entrySet()) {
      putString(property.getKey());
      putString(property.getValue());
    }
    int count = content == null ? 0 : content.size();
    ensureHead(4);
    head.putInt(count);
    ByteBuffer[] buffers = new ByteBuffer[count + 1];
    long total = 0;
    for (int i = 0; i < count; i++) {
      BytesSupplier value = content.valueAt(i);
      ByteBuffer data = value == null ? EMPTY : value.toByteBuffer().duplicate();
      putString(content.keyAt(i));
      ensureHead(4);
      head.putInt(data.remaining());
      buffers[i + 1] = data;
      total += data.remaining();
    }
    head.putInt(0, head.position() - 4);
    head.flip();
    buffers[0] = head;
    total += head.remaining();
    while (total > 0) {
      total -= channel.write(buffers);
    }
  }

  /** Reads one reply: an answer (for a stream, only its head), or a failure. */
  Reply receive() throws IOException {
    fill(4);
    int length = in.getInt();
    if (length < 1 || length > MAX_HEAD) {
      throw new IOException("malformed reply from the Python worker: head length " + length);
    }
    fill(length);
    int end = in.position() + length;
    byte kind = in.get();
    Reply reply;
    if (kind == REPLY_ERROR) {
      reply = new Reply.Failure(getString(), getString(), getString());
      checkEnd(end);
      return reply;
    }
    if (kind != REPLY_OUTPUT && kind != REPLY_STREAM) {
      throw new IOException("malformed reply from the Python worker: kind " + kind);
    }
    int code = in.getInt();
    String message = getString();
    int propertyCount = count();
    Map<String, String> properties = new LinkedHashMap<>();
    for (int i = 0; i < propertyCount; i++) {
      properties.put(getString(), getString());
    }
    int contentCount = count();
    List<String> keys = new ArrayList<>(contentCount);
    int[] lengths = new int[contentCount];
    for (int i = 0; i < contentCount; i++) {
      keys.add(getString());
      lengths[i] = count();
    }
    checkEnd(end);
    List<byte[]> values = new ArrayList<>(contentCount);
    for (int size : lengths) {
      byte[] value = new byte[size];
      readFully(value);
      values.add(value);
    }
    return new Reply.Answer(code, message, properties, keys, values, kind == REPLY_STREAM);
  }

  /** Reads the next chunk of a streamed answer. */
  Chunk receiveChunk() throws IOException {
    fill(5);
    boolean more = in.get() != 0;
    int size = in.getInt();
    if (size < 0) {
      throw new IOException("malformed chunk from the Python worker: length " + size);
    }
    byte[] data = new byte[size];
    readFully(data);
    return new Chunk(data, !more);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing a socket we own; nothing left to release
    }
  }

  private void putString(String value) {
    if (value == null) {
      ensureHead(4);
      head.putInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    ensureHead(4 + bytes.length);
    head.putInt(bytes.length);
    head.put(bytes);
  }

  private void ensureHead(int more) {
    if (head.remaining() >= more) {
      return;
    }
    ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(head.capacity() * 2, head.position() + more));
    head.flip();
    bigger.put(head);
    head = bigger;
  }

  private String getString() throws IOException {
    int size = in.getInt();
    if (size < 0) {
      return null;
    }
    if (size > in.remaining()) {
      throw new IOException("malformed reply from the Python worker: string of " + size + " bytes");
    }
    byte[] bytes = new byte[size];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private int count() throws IOException {
    int value = in.getInt();
    if (value < 0) {
      throw new IOException("malformed reply from the Python worker: negative count " + value);
    }
    return value;
  }

  private void checkEnd(int end) throws IOException {
    if (in.position() != end) {
      throw new IOException("malformed reply from the Python worker: head does not match its length");
    }
  }

  /** Makes at least {@code size} unread bytes available in {@code in}. */
  private void fill(int size) throws IOException {
    if (in.remaining() >= size) {
      return;
    }
    if (size > in.capacity()) {
      ByteBuffer bigger = ByteBuffer.allocateDirect(size);
      bigger.put(in);
      in = bigger;
    } else {
      in.compact();
    }
    while (in.position() < size) {
      if (channel.read(in) < 0) {
        throw new EOFException("the Python worker closed the connection");
      }
    }
    in.flip();
  }

  private void readFully(byte[] target) throws IOException {
    int buffered = Math.min(in.remaining(), target.length);
    in.get(target, 0, buffered);
    if (buffered == target.length) {
      return;
    }
    ByteBuffer rest = ByteBuffer.wrap(target, buffered, target.length - buffered);
    while (rest.hasRemaining()) {
      if (channel.read(rest) < 0) {
        throw new EOFException("the Python worker closed the connection");
      }
    }
  }
}
