package io.servingkit.binary;

import java.nio.ByteBuffer;

/**
 * Java's modified UTF-8 ({@link java.io.DataOutput#writeUTF}), as used for NDList strings. Decoding also accepts
 * the 4-byte sequences of standard UTF-8, which non-Java writers of NDList emit.
 */
final class ModifiedUtf8 {
  /** The most bytes {@code writeUTF} can write. */
  static final int MAX_BYTES = 0xffff;

  private ModifiedUtf8() {}

  /** Decodes the buffer's remaining bytes; null when they are malformed. */
  static String decode(ByteBuffer in) {
    int n = in.remaining();
    char[] out = new char[n];
    int len = 0;
    int i = in.position();
    int end = in.limit();
    while (i < end) {
      int b = in.get(i) & 0xff;
      if (b < 0x80) {
        out[len++] = (char) b;
        i++;
      } else if ((b & 0xe0) == 0xc0) {
        if (i + 1 >= end) {
          return null;
        }
        int b1 = in.get(i + 1) & 0xff;
        if ((b1 & 0xc0) != 0x80) {
          return null;
        }
        out[len++] = (char) (((b & 0x1f) << 6) | (b1 & 0x3f));
        i += 2;
      } else if ((b & 0xf0) == 0xe0) {
        if (i + 2 >= end) {
          return null;
        }
        int b1 = in.get(i + 1) & 0xff;
        int b2 = in.get(i + 2) & 0xff;
        if ((b1 & 0xc0) != 0x80 || (b2 & 0xc0) != 0x80) {
          return null;
        }
        out[len++] = (char) (((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
        i += 3;
      } else if ((b & 0xf8) == 0xf0) {
        if (i + 3 >= end) {
          return null;
        }
        int b1 = in.get(i + 1) & 0xff;
        int b2 = in.get(i + 2) & 0xff;
        int b3 = in.get(i + 3) & 0xff;
        if ((b1 & 0xc0) != 0x80 || (b2 & 0xc0) != 0x80 || (b3 & 0xc0) != 0x80) {
          return null;
        }
        int cp = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
        if (cp < 0x10000 || cp > Character.MAX_CODE_POINT) {
          return null;
        }
        out[len++] = Character.highSurrogate(cp);
        out[len++] = Character.lowSurrogate(cp);
        i += 4;
      } else {
        return null;
      }
    }
    return new String(out, 0, len);
  }

  /** Encoded length in bytes. */
  static int length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      n += c != 0 && c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
    }
    return n;
  }

  /** Writes the encoded bytes of {@code s} (no length prefix). */
  static void encode(String s, ByteBuffer out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != 0 && c < 0x80) {
        out.put((byte) c);
      } else if (c < 0x800) {
        out.put((byte) (0xc0 | (c >> 6)));
        out.put((byte) (0x80 | (c & 0x3f)));
      } else {
        out.put((byte) (0xe0 | (c >> 12)));
        out.put((byte) (0x80 | ((c >> 6) & 0x3f)));
        out.put((byte) (0x80 | (c & 0x3f)));
      }
    }
  }
}
