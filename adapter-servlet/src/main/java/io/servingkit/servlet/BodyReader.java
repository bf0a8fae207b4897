package io.servingkit.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one request body with non-blocking reads straight into its final array: exactly
 * {@code Content-Length} bytes when the length is declared, a doubling array (capped just above the size
 * limit) for a chunked body, which is answered 413 as soon as it grows past the limit.
 *
 * <p>Threading: the container calls it on its threads, one callback at a time.
 */
final class BodyReader implements ReadListener {

  private static final int FIRST_CHUNKED_CAPACITY = 16 * 1024;

  private final ServletExchange exchange;
  private final ServletInputStream in;
  private final long declared;
  private final long max;
  private byte[] buf;
  private int length;
  private boolean stopped;

  /**
   * @param declared the declared {@code Content-Length}, or -1 for a chunked body
   * @param max the largest body accepted (at most an array's size)
   */
  BodyReader(ServletExchange exchange, ServletInputStream in, long declared, long max) {
    this.exchange = exchange;
    this.in = in;
    this.declared = declared;
    this.max = max;
    this.buf = new byte[declared >= 0 ? (int) declared : (int) Math.min(FIRST_CHUNKED_CAPACITY, max + 1)];
  }

  @Override
  public void onDataAvailable() throws IOException {
    while (!stopped && in.isReady()) {
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
        stopped = true;
        exchange.tooLarge();
        return;
      }
    }
  }

  @Override
  public void onAllDataRead() {
    if (stopped) {
      return;
    }
    stopped = true;
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
