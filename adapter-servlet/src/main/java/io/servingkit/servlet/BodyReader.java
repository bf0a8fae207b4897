package io.servingkit.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one request body with non-blocking reads straight into its final array: exactly
 * {@code Content-Length} bytes when the length is declared, a doubling array (capped just above the size
 * limit) for a chunked body. A body over the limit is answered 413 at once, and then read on and thrown
 * away, up to {@link #SWALLOW_LIMIT} bytes, before the connection closes: a client that is still sending
 * when the server closes gets a TCP reset, which can destroy the 413 before the client reads it (Tomcat
 * swallows 2 MiB for the same reason; Jetty does not). A larger refused body is cut off.
 *
 * <p>Threading: the container calls it on its threads, one callback at a time.
 */
final class BodyReader implements ReadListener {

  private static final int FIRST_CHUNKED_CAPACITY = 16 * 1024;

  /** The most bytes read and thrown away after a body is known to be too large. */
  static final long SWALLOW_LIMIT = 2 * 1024 * 1024;

  private static final int DISCARD_BUFFER = 16 * 1024;

  private final ServletExchange exchange;
  private final ServletInputStream in;
  private final long declared;
  private final long max;
  private byte[] buf;
  private int length;
  private boolean stopped;
  private boolean discarding;
  private long discarded;

  /**
   * @param declared the declared {@code Content-Length}, or -1 for a chunked body
   * @param max the largest body accepted (at most an array's size)
   */
  BodyReader(ServletExchange exchange, ServletInputStream in, long declared, long max) {
    this.exchange = exchange;
    this.in = in;
    this.declared = declared;
    this.max = max;
    if (declared > max) {
      discarding = true; // refused already: read it only to throw it away
      this.buf = new byte[DISCARD_BUFFER];
    } else {
      this.buf = new byte[declared >= 0 ? (int) declared : (int) Math.min(FIRST_CHUNKED_CAPACITY, max + 1)];
    }
  }

  /** Whether a refused body of {@code declared} bytes is small enough to read to its end before the 413. */
  static boolean swallows(long declared) {
    return declared <= SWALLOW_LIMIT;
  }

  @Override
  public void onDataAvailable() throws IOException {
    while (!stopped && in.isReady()) {
      if (discarding) {
        if (discard()) {
          return;
        }
        continue;
      }
      if (length == buf.length) {
        if (declared >= 0) {
          // the container stops at Content-Length: this read only sees the end
          if (in.read() < 0) {
            return;
          }
          throw new IOException("request body longer than its Content-Length " + declared);
        }
        buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max + 1));
      }
      int n = in.read(buf, length, buf.length - length);
      if (n < 0) {
        return; // onAllDataRead follows
      }
      length += n;
      if (length > max) {
        exchange.tooLarge();
        discarding = true;
        discarded = length - max;
        buf = new byte[DISCARD_BUFFER];
      }
    }
  }

  /** Reads and drops one piece of a refused body; true once reading stops. */
  private boolean discard() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      return true; // onAllDataRead follows
    }
    discarded += n;
    if (discarded > SWALLOW_LIMIT) {
      stopped = true;
      exchange.refusedBodyEnded(); // too much to swallow: close
      return true;
    }
    return false;
  }

  @Override
  public void onAllDataRead() {
    if (stopped) {
      return;
    }
    stopped = true;
    if (discarding) {
      exchange.refusedBodyEnded();
      return;
    }
    if (declared >= 0 && length < declared) {
      exchange.readFailed(new IOException("request body ended after " + length + " of " + declared + " bytes"));
      return;
    }
    exchange.handle(buf, length);
  }

  @Override
  public void onError(Throwable t) {
    stopped = true;
    exchange.readFailed(t);
  }
}
