package io.servingkit.binary;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the small subset of Python literals that {@code .npy} headers use: dicts with string keys, strings,
 * {@code True}/{@code False}, integers, tuples and lists. Tuples and lists become {@link List}s, integers
 * {@link BigInteger}s. Anything else is rejected; nothing is evaluated.
 */
final class PyLiteral {
  private static final int MAX_DEPTH = 16;

  private final String text;
  private int pos;

  private PyLiteral(String text) {
    this.text = text;
  }

  /**
   * Parses {@code text}, which must hold exactly one literal (surrounding whitespace allowed).
   *
   * @throws IllegalArgumentException naming the problem and its position
   */
  static Object parse(String text) {
    PyLiteral p = new PyLiteral(text);
    Object value = p.value(0);
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("unexpected text after the literal");
    }
    return value;
  }

  private IllegalArgumentException error(String problem) {
    return new IllegalArgumentException(problem + " at character " + pos);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("literal nested deeper than " + MAX_DEPTH);
    }
    skipSpace();
    if (pos >= text.length()) {
      throw error("header ends where a value is expected");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return dict(depth);
      case '(':
        return sequence(')', depth);
      case '[':
        return sequence(']', depth);
      case '\'':
      case '"':
        return string();
      default:
        if (c == '-' || c == '+' || isDigit(c)) {
          return integer();
        }
        if (text.startsWith("True", pos)) {
          pos += 4;
          return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
          pos += 5;
          return Boolean.FALSE;
        }
        throw error("unsupported value starting with '" + c + "'");
    }
  }

  private Map<String, Object> dict(int depth) {
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    while (true) {
      skipSpace();
      if (pos < text.length() && text.charAt(pos) == '}') {
        pos++;
        return map;
      }
      Object key = value(depth + 1);
      if (!(key instanceof String)) {
        throw error("dict key is not a string");
      }
      skipSpace();
      expect(':');
      Object value = value(depth + 1);
      if (map.put((String) key, value) != null) {
        throw error("duplicate key '" + key + "'");
      }
      if (!separator('}')) {
        pos++;
        return map;
      }
    }
  }

  private List<Object> sequence(char close, int depth) {
    pos++;
    List<Object> list = new ArrayList<>();
    while (true) {
      skipSpace();
      if (pos < text.length() && text.charAt(pos) == close) {
        pos++;
        return list;
      }
      list.add(value(depth + 1));
      if (!separator(close)) {
        pos++;
        return list;
      }
    }
  }

  /** After an element: true when a comma followed (more may come), false when {@code close} is next. */
  private boolean separator(char close) {
    skipSpace();
    if (pos >= text.length()) {
      throw error("header ends inside a literal, expected ',' or '" + close + "'");
    }
    char c = text.charAt(pos);
    if (c == ',') {
      pos++;
      return true;
    }
    if (c == close) {
      return false;
    }
    throw error("expected ',' or '" + close + "' but found '" + c + "'");
  }

  private void expect(char c) {
    if (pos >= text.length() || text.charAt(pos) != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private String string() {
    char quote = text.charAt(pos++);
    StringBuilder sb = new StringBuilder();
    while (pos < text.length()) {
      char c = text.charAt(pos++);
      if (c == quote) {
        return sb.toString();
      }
      if (c == '\\') {
        if (pos >= text.length()) {
          break;
        }
        sb.append(text.charAt(pos++));
      } else {
        sb.append(c);
      }
    }
    throw error("unterminated string");
  }

  private BigInteger integer() {
    int start = pos;
    if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
      pos++;
    }
    int digits = pos;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
    }
    if (pos == digits) {
      throw error("expected digits");
    }
    if (pos - digits > 40) {
      throw error("integer with more than 40 digits");
    }
    BigInteger value = new BigInteger(text.substring(start, pos));
    if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
      pos++;
    }
    return value;
  }
}
