package io.servingkit.api;

import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One HTTP request as an adapter hands it to {@link ServingApi}: method, decoded path, query parameters,
 * headers and the whole body.
 *
 * <p>The body is kept as the {@link ByteBuffer} the adapter read it into: no copy is made here, and when the
 * buffer wraps a whole array the prediction input uses that array as is. Adapters must not reuse the buffer
 * after handing it over.
 *
 * <p>Threading: immutable once built (the body buffer's content is never modified by ServingKit); safe to
 * pass between threads.
 */
public final class ApiRequest {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final String method;
  private final String path;
  private final Map<String, List<String>> query;
  private final Map<String, List<String>> headers;
  private final ByteBuffer body;
  private final String malformed;
  private final InetAddress remoteAddress;

  private ApiRequest(Builder b) {
    this.method = b.method;
    this.path = b.path;
    this.query = freeze(b.query, false);
    this.headers = freeze(b.headers, true);
    this.body = b.body == null ? EMPTY : b.body;
    this.malformed = b.malformed;
    this.remoteAddress = b.remoteAddress;
  }

  /**
   * Starts a request.
   *
   * @param method the HTTP method, any case ({@code GET}, {@code post}); kept upper-cased
   * @param path the request path with percent-escapes decoded, without the query string, starting with
   *     {@code /}
   */
  public static Builder builder(String method, String path) {
    return new Builder(method, path);
  }

  /** The HTTP method, upper case. */
  public String method() {
    return method;
  }

  /** The decoded request path, without query string. */
  public String path() {
    return path;
  }

  /** Query parameters in request order; each name maps to its values in order. Unmodifiable. */
  public Map<String, List<String>> queryParameters() {
    return query;
  }

  /** The first value of a query parameter, or null. */
  public String queryParameter(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Request headers; names are matched ignoring case. Unmodifiable. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The first value of a header (name matched ignoring case), or null. */
  public String header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * The body, positioned at its first byte; empty when the request had none. Returns a duplicate view each
   * time, so callers may move its position freely; the bytes are shared.
   */
  public ByteBuffer body() {
    return body.duplicate();
  }

  /** The body length in bytes. */
  public int bodyLength() {
    return body.remaining();
  }

  /**
   * The address of the client the connection came from, if the adapter gave it. Without one the client counts as
   * remote wherever that matters (custom code in registrations, see {@link io.servingkit.RegistrationPolicy}).
   */
  public Optional<InetAddress> remoteAddress() {
    return Optional.ofNullable(remoteAddress);
  }

  /** Whether the client connected from a loopback address (false when the adapter gave none). */
  boolean fromLoopback() {
    return remoteAddress != null && remoteAddress.isLoopbackAddress();
  }

  /** Why the query string could not be decoded, or null when it could. */
  String malformedQuery() {
    return malformed;
  }

  private static Map<String, List<String>> freeze(Map<String, List<String>> map, boolean ignoreCase) {
    Map<String, List<String>> copy =
        ignoreCase ? new TreeMap<>(String.CASE_INSENSITIVE_ORDER) : new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(copy);
  }

  @Override
  public String toString() {
    return method + " " + path + (query.isEmpty() ? "" : " " + query) + " (" + body.remaining() + " bytes)";
  }

  /** Builder of {@link ApiRequest}. Not thread-safe. */
  public static final class Builder {
    private final String method;
    private final String path;
    private final Map<String, List<String>> query = new LinkedHashMap<>();
    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private ByteBuffer body;
    private String malformed;
    private InetAddress remoteAddress;

    private Builder(String method, String path) {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      if (method.isBlank()) {
        throw new IllegalArgumentException("method must not be empty");
      }
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("path must start with '/': " + path);
      }
      this.method = method.strip().toUpperCase(Locale.ROOT);
      this.path = path;
    }

    /**
     * Adds every parameter of a raw (still percent-encoded) query string such as {@code a=1&b=x%20y}; a
     * {@code +} decodes to a space. Null or empty adds nothing. A malformed escape does not fail here: the
     * request is answered with 400 naming it.
     */
    public Builder queryString(String rawQuery) {
      if (rawQuery == null || rawQuery.isEmpty()) {
        return this;
      }
      try {
        parseForm(rawQuery, this::queryParameter);
      } catch (BadRequestException e) {
        malformed = e.getMessage();
      }
      return this;
    }

    /** Adds one decoded query parameter value. */
    public Builder queryParameter(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      query.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
      return this;
    }

    /** Adds one header value; repeated names keep every value in order. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      headers.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
      return this;
    }

    /** Sets the body; the buffer is used from its position to its limit and is not copied. */
    public Builder body(ByteBuffer buffer) {
      this.body = Objects.requireNonNull(buffer, "buffer").slice();
      return this;
    }

    /** Sets the body; the array is wrapped, not copied. */
    public Builder body(byte[] bytes) {
      this.body = ByteBuffer.wrap(Objects.requireNonNull(bytes, "bytes"));
      return this;
    }

    /**
     * The address of the client the connection came from (the peer of the TCP connection, or what the container
     * reports for it); null when unknown.
     */
    public Builder remoteAddress(InetAddress address) {
      this.remoteAddress = address;
      return this;
    }

    /** Builds the request. */
    public ApiRequest build() {
      return new ApiRequest(this);
    }
  }

  /** Parses {@code application/x-www-form-urlencoded} text (a query string) into name/value pairs. */
  static void parseForm(String text, PairConsumer out) {
    int start = 0;
    int len = text.length();
    while (start <= len) {
      int amp = text.indexOf('&', start);
      int end = amp < 0 ? len : amp;
      if (end > start) {
        int eq = text.indexOf('=', start);
        String name;
        String value;
        if (eq < 0 || eq > end) {
          name = decode(text.substring(start, end));
          value = "";
        } else {
          name = decode(text.substring(start, eq));
          value = decode(text.substring(eq + 1, end));
        }
        if (!name.isEmpty()) {
          out.accept(name, value);
        }
      }
      start = end + 1;
    }
  }

  private static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
      throw new BadRequestException("Malformed percent-encoding in query or form field: " + shown);
    }
  }

  /** Receives parsed name/value pairs. */
  @FunctionalInterface
  interface PairConsumer {
    void accept(String name, String value);
  }
}
