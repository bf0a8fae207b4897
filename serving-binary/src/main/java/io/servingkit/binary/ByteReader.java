package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bounds-checked cursor over a request body. Every read names the field it reads, so a truncated or lying body
 * fails with a {@link BadInputException} saying what was cut short and where, and no read allocates more than the
 * bytes that are really there.
 */
final class ByteReader {
  private final ByteBuffer buf;
  private final String format;

  /** Reads {@code body}'s remaining bytes; error messages start with {@code format}. */
  ByteReader(ByteBuffer body, String format) {
    this.buf = body.slice();
    this.format = format;
  }

  int position() {
    return buf.position();
  }

  int remaining() {
    return buf.remaining();
  }

  /** Moves to an absolute offset within the body. */
  void seek(long offset, String what) {
    if (offset < 0 || offset > buf.limit()) {
      throw fail(what + " at offset " + offset + " lies outside the " + buf.limit() + "-byte body");
    }
    buf.position((int) offset);
  }

  /** A failure naming the format and the current offset. */
  BadInputException fail(String problem) {
    return new BadInputException(format + ": " + problem + " (at byte " + buf.position() + ")");
  }

  private void need(int n, String what) {
    if (buf.remaining() < n) {
      throw fail(
          "body ends inside "
              + what
              + ": needs "
              + n
              + " bytes, "
              + buf.remaining()
              + (buf.remaining() == 1 ? " remains" : " remain"));
    }
  }

  int u8(String what) {
    need(1, what);
    return buf.get() & 0xff;
  }

  int u16(ByteOrder order, String what) {
    need(2, what);
    return buf.order(order).getShort() & 0xffff;
  }

  int i32(ByteOrder order, String what) {
    need(4, what);
    return buf.order(order).getInt();
  }

  long u32(ByteOrder order, String what) {
    return i32(order, what) & 0xffffffffL;
  }

  long i64(ByteOrder order, String what) {
    need(8, what);
    return buf.order(order).getLong();
  }

  /** Skips {@code n} bytes. */
  void skip(long n, String what) {
    if (n < 0 || n > buf.remaining()) {
      throw fail("body ends inside " + what + ": needs " + n + " bytes, " + buf.remaining() + " remain");
    }
    buf.position(buf.position() + (int) n);
  }

  /** A zero-copy view of the next {@code n} bytes. */
  ByteBuffer slice(long n, String what) {
    if (n < 0) {
      throw fail("negative length " + n + " for " + what);
    }
    if (n > buf.remaining()) {
      throw fail(what + " declares " + n + " bytes but only " + buf.remaining() + " remain");
    }
    ByteBuffer view = buf.slice();
    view.limit((int) n);
    buf.position(buf.position() + (int) n);
    return view.order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A string written by {@link java.io.DataOutput#writeUTF}: a big-endian u16 length, then modified UTF-8. */
  String utf(String what) {
    int len = u16(ByteOrder.BIG_ENDIAN, what + " length");
    int start = buf.position();
    ByteBuffer bytes = slice(len, what);
    String s = ModifiedUtf8.decode(bytes);
    if (s == null) {
      buf.position(start);
      throw fail(what + " is not valid modified UTF-8");
    }
    return s;
  }
}
