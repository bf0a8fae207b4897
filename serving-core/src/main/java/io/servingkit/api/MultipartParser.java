package io.servingkit.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Splits a {@code multipart/form-data} body into named parts without copying them: each part is a slice of
 * the body buffer. Malformed bodies fail with a {@link BadRequestException} naming what is wrong.
 */
final class MultipartParser {

  /** Receives one part: its form field name and its content. */
  @FunctionalInterface
  interface PartConsumer {
    void accept(String name, ByteBuffer content);
  }

  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private MultipartParser() {}

  static void parse(ByteBuffer body, String contentType, PartConsumer out) {
    String boundary = boundary(contentType);
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    byte[] partEnd = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer buf = body.slice();
    int limit = buf.limit();
    int pos = indexOf(buf, delimiter, 0, limit);
    if (pos < 0) {
      throw new BadRequestException("Malformed multipart body: boundary " + boundary + " not found");
    }
    pos += delimiter.length;
    while (true) {
      if (pos + 2 <= limit && buf.get(pos) == '-' && buf.get(pos + 1) == '-') {
        return; // closing delimiter
      }
      // transport padding, then CRLF
      while (pos < limit && (buf.get(pos) == ' ' || buf.get(pos) == '\t')) {
        pos++;
      }
      if (pos + 2 > limit || buf.get(pos) != '\r' || buf.get(pos + 1) != '\n') {
        throw new BadRequestException("Malformed multipart body: no line break after a boundary");
      }
      pos += 2;
      int headersEnd = indexOf(buf, new byte[] {'\r', '\n', '\r', '\n'}, pos, Math.min(limit, pos + MAX_HEADER_BYTES));
      String headers;
      int contentStart;
      if (startsWith(buf, pos, new byte[] {'\r', '\n'})) {
        headers = "";
        contentStart = pos + 2;
      } else if (headersEnd < 0) {
        throw new BadRequestException("Malformed multipart body: part headers do not end");
      } else {
        headers = ascii(buf, pos, headersEnd);
        contentStart = headersEnd + 4;
      }
      int contentEnd = indexOf(buf, partEnd, contentStart, limit);
      if (contentEnd < 0) {
        throw new BadRequestException("Malformed multipart body: part is not closed by boundary " + boundary);
      }
      String name = partName(headers);
      if (name != null) {
        out.accept(name, buf.duplicate().position(contentStart).limit(contentEnd).slice());
      }
      pos = contentEnd + partEnd.length;
    }
  }

  static String boundary(String contentType) {
    String value = parameter(contentType, "boundary");
    if (value == null || value.isEmpty()) {
      throw new BadRequestException("Malformed multipart body: Content-Type has no boundary parameter");
    }
    if (value.length() > 200) {
      throw new BadRequestException("Malformed multipart body: boundary longer than 200 characters");
    }
    return value;
  }

  /** The {@code name} of a part from its Content-Disposition header, or null. */
  private static String partName(String headers) {
    for (String line : headers.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("Content-Disposition")) {
        return parameter(line.substring(colon + 1), "name");
      }
    }
    return null;
  }

  /** A {@code key=value} or {@code key="value"} parameter of a header value, or null. */
  static String parameter(String headerValue, String key) {
    if (headerValue == null) {
      return null;
    }
    int i = 0;
    int n = headerValue.length();
    while (i < n) {
      int semi = nextSemicolon(headerValue, i);
      String item = headerValue.substring(i, semi).strip();
      int eq = item.indexOf('=');
      if (eq > 0 && item.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals(key)) {
        String v = item.substring(eq + 1).strip();
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return v;
      }
      i = semi + 1;
    }
    return null;
  }

  private static int nextSemicolon(String s, int from) {
    boolean quoted = false;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '\\' && quoted) {
        i++;
      } else if (c == ';' && !quoted) {
        return i;
      }
    }
    return s.length();
  }

  private static String ascii(ByteBuffer buf, int from, int to) {
    byte[] b = new byte[to - from];
    buf.duplicate().position(from).get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static boolean startsWith(ByteBuffer buf, int at, byte[] prefix) {
    if (at + prefix.length > buf.limit()) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buf.get(at + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** First index of {@code pattern} in {@code buf[from, to)}, or -1. */
  static int indexOf(ByteBuffer buf, byte[] pattern, int from, int to) {
    byte first = pattern[0];
    int last = to - pattern.length;
    outer:
    for (int i = from; i <= last; i++) {
      if (buf.get(i) != first) {
        continue;
      }
      for (int j = 1; j < pattern.length; j++) {
        if (buf.get(i + j) != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
