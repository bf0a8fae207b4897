package io.servingkit.undertow;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict percent-decoding of a request path: every {@code %} starts two hex digits, and the bytes are UTF-8. */
final class PercentDecoding {

  private PercentDecoding() {}

  /** The decoded path, or null when an escape is malformed or the bytes are not UTF-8. */
  static String decode(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    byte[] out = new byte[path.length() * 3];
    int n = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%') {
        if (i + 2 >= path.length()) {
          return null;
        }
        int hi = Character.digit(path.charAt(i + 1), 16);
        int lo = Character.digit(path.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c < 0x100) {
        out[n++] = (byte) c; // the listener hands the request line's bytes over as ISO-8859-1 characters
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, out, n, b.length);
        n += b.length;
      }
    }
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(out, 0, n));
      return chars.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** {@code s} cut to 200 characters with control characters replaced, for an error message. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 200; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 200 ? sb + "..." : sb.toString();
  }
}
