package io.servingkit.api;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * Request ids and W3C trace context for the logs: every log line about a request, on the request's thread, in
 * the model's queue and on the worker that runs it, carries the request's id and, when the client sent a valid
 * {@code traceparent}, its trace id, in SLF4J's MDC under {@value #MDC_REQUEST_ID}, {@value #MDC_TRACE_ID} and
 * {@value #MDC_SPAN_ID} (the caller's span; the names Micrometer Tracing uses, so a log pattern shows both the
 * same way). A request's headers, {@code traceparent} among them, also reach the model as input properties
 * (a Python handler reads {@code inputs.get_properties()["traceparent"]}).
 *
 * <p>{@link ServingApi#handle} enters a request's scope itself; adapters enter it earlier, around the whole
 * exchange, so that their own lines (and the access log) carry it too.
 *
 * <p>Threading: stateless; a {@link Scope} belongs to the thread that entered it.
 */
public final class RequestIds {

  /** The request id header, answered on every response. */
  public static final String REQUEST_ID_HEADER = "x-request-id";
  /** The W3C Trace Context header. */
  public static final String TRACEPARENT_HEADER = "traceparent";
  /** MDC key of the request id. */
  public static final String MDC_REQUEST_ID = "requestId";
  /** MDC key of the W3C trace id (32 hex digits). */
  public static final String MDC_TRACE_ID = "traceId";
  /** MDC key of the caller's span id from {@code traceparent} (16 hex digits). */
  public static final String MDC_SPAN_ID = "spanId";

  private RequestIds() {}

  /** The client's request id when it is a plain token (printable ASCII, at most 256 characters), else a new UUID. */
  public static String requestId(String given) {
    if (given != null && !given.isEmpty() && given.length() <= 256 && isPrintable(given)) {
      return given;
    }
    // a random (version 4) UUID; request ids need no secure random, and SecureRandom would serialise requests
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  /**
   * A W3C {@code traceparent} value ({@code version-traceid-parentid-flags}) split into its trace and parent
   * ids; null when absent or malformed (wrong lengths, not lower-case hex, all-zero ids, version {@code ff}), as
   * the specification says a receiver must then ignore it.
   */
  public static Trace parseTraceparent(String header) {
    if (header == null) {
      return null;
    }
    String v = header.strip();
    if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
      return null;
    }
    String version = v.substring(0, 2);
    String traceId = v.substring(3, 35);
    String parentId = v.substring(36, 52);
    String flags = v.substring(53, 55);
    if (!isHex(version) || version.equals("ff") || !isHex(traceId) || !isHex(parentId) || !isHex(flags)) {
      return null;
    }
    if ((v.length() > 55 && (version.equals("00") || v.charAt(55) != '-'))
        || traceId.chars().allMatch(c -> c == '0')
        || parentId.chars().allMatch(c -> c == '0')) {
      return null;
    }
    return new Trace(traceId, parentId, (Integer.parseInt(flags, 16) & 1) == 1);
  }

  /**
   * Puts a request's id and trace into the MDC of this thread until the returned scope is closed, which puts back
   * what was there before. A trace id already in the MDC (a tracer such as Micrometer Tracing put its own) is
   * kept.
   *
   * @param requestId the request id (see {@link #requestId(String)})
   * @param traceparent the request's {@code traceparent} header, or null
   */
  public static Scope enter(String requestId, String traceparent) {
    Trace trace = parseTraceparent(traceparent);
    return new Scope(requestId, trace == null ? null : trace.traceId(), trace == null ? null : trace.parentId());
  }

  /**
   * Puts back, on another thread, ids read from the MDC of the request's own thread ({@code MDC.get}), so that a
   * line logged later about the request (an asynchronous request's access log line) carries the same ones, a
   * tracer's included. Null values are left out; closing the scope puts back what was there before.
   */
  public static Scope restore(String requestId, String traceId, String spanId) {
    return new Scope(requestId, traceId, spanId);
  }

  /** The trace and parent (caller's span) ids of a {@code traceparent} header, and its sampled flag. */
  public record Trace(String traceId, String parentId, boolean sampled) {}

  /** Values put into the MDC, restored on {@link #close()}. */
  public static final class Scope implements AutoCloseable {
    private final String oldRequestId = MDC.get(MDC_REQUEST_ID);
    private final String oldTraceId = MDC.get(MDC_TRACE_ID);
    private final String oldSpanId = MDC.get(MDC_SPAN_ID);

    private Scope(String requestId, String traceId, String spanId) {
      set(MDC_REQUEST_ID, requestId);
      if (traceId != null && oldTraceId == null) { // a tracer's own context, when there is one, stays
        set(MDC_TRACE_ID, traceId);
        set(MDC_SPAN_ID, spanId);
      }
    }

    /** Puts back the MDC values this scope replaced. */
    @Override
    public void close() {
      set(MDC_REQUEST_ID, oldRequestId);
      set(MDC_TRACE_ID, oldTraceId);
      set(MDC_SPAN_ID, oldSpanId);
    }

    private static void set(String key, String value) {
      if (value == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, value);
      }
    }
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrintable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
