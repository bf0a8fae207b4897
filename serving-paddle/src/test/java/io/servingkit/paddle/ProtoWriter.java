package io.servingkit.paddle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the protocol-buffers wire format field by field (varints and length-delimited fields only). */
final class ProtoWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ProtoWriter varint(int field, long value) {
    key(field, 0);
    raw(value);
    return this;
  }

  ProtoWriter string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter value) {
    return bytes(field, value.toByteArray());
  }

  ProtoWriter bytes(int field, byte[] value) {
    key(field, 2);
    raw(value.length);
    out.write(value, 0, value.length);
    return this;
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private void key(int field, int wireType) {
    raw(((long) field << 3) | wireType);
  }

  private void raw(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
