package io.servingkit.api;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One access log line per request, in the NCSA formats web servers write, logged at INFO to the logger
 * {@value #LOGGER} (route it to its own file with the logging configuration; switch it off by setting that
 * logger's level to {@code WARN}):
 *
 * <ul>
 *   <li>{@code common}: {@code host - user [time] "METHOD /path?query PROTOCOL" status bytes};
 *   <li>{@code combined} (the default): common plus {@code "referer" "user-agent"}.
 * </ul>
 *
 * <p>Adapters log the line with the request's MDC in place ({@link RequestIds}), so a log pattern with
 * {@code %X{requestId}} and {@code %X{traceId}} shows them next to it.
 *
 * <p>Threading: immutable; safe for concurrent use.
 */
public final class AccessLog {

  /** The logger the lines go to. */
  public static final String LOGGER = "io.servingkit.access";

  /**
   * The logger {@link #warmUp()} lines go to: the standalone server's logging configuration formats them like
   * access lines and writes them nowhere.
   */
  public static final String WARM_UP_LOGGER = LOGGER + ".warmup";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

  private final boolean combined;
  private final Logger log;

  private AccessLog(boolean combined, Logger log) {
    this.combined = combined;
    this.log = log;
  }

  /**
   * The log of the named format, {@code combined} or {@code common} (any case).
   *
   * @throws IllegalArgumentException naming the value when it is neither
   */
  public static AccessLog of(String format) {
    if ("combined".equalsIgnoreCase(format)) {
      return new AccessLog(true, LoggerFactory.getLogger(LOGGER));
    }
    if ("common".equalsIgnoreCase(format)) {
      return new AccessLog(false, LoggerFactory.getLogger(LOGGER));
    }
    throw new IllegalArgumentException("access log format " + format + ": expected combined or common");
  }

  /**
   * The access log {@code config} asks for ({@code access_log}, {@code access_log_format}), or null when
   * {@code access_log=false}.
   */
  public static AccessLog from(io.servingkit.ServingConfig config) {
    return config.get(io.servingkit.ServingConfig.ACCESS_LOG)
        ? of(config.get(io.servingkit.ServingConfig.ACCESS_LOG_FORMAT))
        : null;
  }

  /**
   * The same log for a server's own warm-up requests: lines of the same format, logged to {@value #WARM_UP_LOGGER},
   * so that the whole logging path is compiled before real requests arrive.
   */
  public AccessLog warmUp() {
    return new AccessLog(combined, LoggerFactory.getLogger(WARM_UP_LOGGER));
  }

  /** Whether lines are logged at all (the logger's level lets INFO through). */
  public boolean enabled() {
    return log.isInfoEnabled();
  }

  /**
   * Logs one request.
   *
   * @param remoteHost the client's address
   * @param time when the request arrived
   * @param method the request method
   * @param target the request target: path and query string as sent
   * @param protocol such as {@code HTTP/1.1}
   * @param status the response status
   * @param bytes the body bytes sent, or -1 when unknown ({@code -} in the line)
   * @param referer the {@code Referer} header, or null
   * @param userAgent the {@code User-Agent} header, or null
   */
  public void log(
      String remoteHost,
      ZonedDateTime time,
      String method,
      String target,
      String protocol,
      int status,
      long bytes,
      String referer,
      String userAgent) {
    if (log.isInfoEnabled()) {
      log.info(line(remoteHost, time, method, target, protocol, status, bytes, referer, userAgent));
    }
  }

  /** The line {@link #log} writes. */
  public String line(
      String remoteHost,
      ZonedDateTime time,
      String method,
      String target,
      String protocol,
      int status,
      long bytes,
      String referer,
      String userAgent) {
    StringBuilder b = new StringBuilder(160);
    b.append(orDash(remoteHost)).append(" - - [").append(TIME.format(time)).append("] \"");
    escape(b, method).append(' ');
    escape(b, target).append(' ');
    escape(b, protocol).append("\" ").append(status).append(' ').append(bytes < 0 ? "-" : Long.toString(bytes));
    if (combined) {
      b.append(" \"");
      escape(b, referer == null ? "-" : referer).append("\" \"");
      escape(b, userAgent == null ? "-" : userAgent).append('"');
    }
    return b.toString();
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  /** Appends {@code s} with quotes, backslashes and control characters escaped, so one request is one line. */
  private static StringBuilder escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b;
  }
}
