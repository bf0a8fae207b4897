package io.servingkit.paddle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protocol-buffers wire format field by field: enough to walk a PaddlePaddle {@code ProgramDesc}
 * without generated classes. Every read is bounds-checked; malformed bytes end in an {@link IOException}.
 *
 * <p>Threading: one reader per thread.
 */
final class ProtoReader {

  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int BYTES = 2;
  static final int FIXED32 = 5;

  private final byte[] buffer;
  private int position;
  private final int end;
  private int tag;

  ProtoReader(byte[] buffer) {
    this(buffer, 0, buffer.length);
  }

  private ProtoReader(byte[] buffer, int start, int end) {
    this.buffer = buffer;
    this.position = start;
    this.end = end;
  }

  /** Moves to the next field; false at the end of the message. */
  boolean next() throws IOException {
    if (position >= end) {
      return false;
    }
    long value = varint();
    if (value >>> 32 != 0 || (value >>> 3) == 0) {
      throw new IOException("malformed protocol buffer: field tag " + value + " at byte " + position);
    }
    tag = (int) value;
    return true;
  }

  int field() {
    return tag >>> 3;
  }

  int wireType() {
    return tag & 7;
  }

  long varint() throws IOException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position >= end) {
        throw new IOException("malformed protocol buffer: truncated number");
      }
      byte b = buffer[position++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new IOException("malformed protocol buffer: number longer than 10 bytes");
  }

  /** The current length-delimited field as a message of its own. */
  ProtoReader message() throws IOException {
    int length = length();
    ProtoReader inner = new ProtoReader(buffer, position, position + length);
    position += length;
    return inner;
  }

  String string() throws IOException {
    int length = length();
    String s = new String(buffer, position, length, StandardCharsets.UTF_8);
    position += length;
    return s;
  }

  /** The current field's integers: one varint, or a packed run of them. */
  long[] varints() throws IOException {
    if (wireType() == VARINT) {
      return new long[] {varint()};
    }
    ProtoReader packed = message();
    long[] values = new long[0];
    while (packed.position < packed.end) {
      values = java.util.Arrays.copyOf(values, values.length + 1);
      values[values.length - 1] = packed.varint();
    }
    return values;
  }

  void skip() throws IOException {
    switch (wireType()) {
      case VARINT -> varint();
      case FIXED64 -> advance(8);
      case BYTES -> advance(length());
      case FIXED32 -> advance(4);
      default -> throw new IOException("malformed protocol buffer: wire type " + wireType());
    }
  }

  private int length() throws IOException {
    if (wireType() != BYTES) {
      throw new IOException("malformed protocol buffer: field " + field() + " is not length-delimited");
    }
    long length = varint();
    if (length < 0 || length > end - position) {
      throw new IOException("malformed protocol buffer: field " + field() + " of " + length + " bytes overruns");
    }
    return (int) length;
  }

  private void advance(int bytes) throws IOException {
    if (bytes > end - position) {
      throw new IOException("malformed protocol buffer: truncated field " + field());
    }
    position += bytes;
  }
}
