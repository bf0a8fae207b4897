package io.servingkit.servlet;

import io.servingkit.api.BodyBudget;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads one request body with non-blocking reads into an array that grows with the bytes that arrived (doubling
 * from 16 KiB, never past the declared {@code Content-Length} or just over the size limit), so a client that
 * declares a large body and sends little holds little. Each growth is reserved from the server's
 * {@link BodyBudget} first (503 when it does not fit); everything reserved is given back when the exchange
 * ends. A body that goes {@code requestBodyTimeout} without a byte is answered 408 and its connection closed
 * (checked on the servlet's timer thread).
 *
 * <p>A body over the limit (or the budget) is answered at once, and then read on and thrown away, up to
 * {@link #SWALLOW_LIMIT} bytes, before the connection closes: a client that is still sending when the server
 * closes gets a TCP reset, which can destroy the answer before the client reads it (Tomcat swallows 2 MiB for
 * the same reason; Jetty does not). A larger refused body is cut off.
 *
 * <p>Threading: the container calls it on its threads, one callback at a time; the idle check runs on the
 * timer thread and goes through the exchange's lock.
 */
final class BodyReader implements ReadListener {

  static final int FIRST_CAPACITY = 16 * 1024;

  /** The most bytes read and thrown away after a body is known to be refused. */
  static final long SWALLOW_LIMIT = 2 * 1024 * 1024;

  private static final int DISCARD_BUFFER = 16 * 1024;

  private final ServletExchange exchange;
  private final ServletInputStream in;
  private final long declared;
  private final long max;
  private final BodyBudget budget;
  private final long idleNanos;
  private final AtomicBoolean released = new AtomicBoolean();
  private byte[] buf = new byte[0];
  private int length;
  private long reserved;
  private boolean stopped;
  private boolean discarding;
  private long discarded;
  private volatile long lastProgress = System.nanoTime();
  private volatile boolean reading = true;
  private ScheduledFuture<?> idleCheck;

  /**
   * @param declared the declared {@code Content-Length}, or -1 for a chunked body
   * @param max the largest body accepted (at most an array's size)
   */
  BodyReader(
      ServletExchange exchange, ServletInputStream in, long declared, long max, BodyBudget budget, long idleNanos) {
    this.exchange = exchange;
    this.in = in;
    this.declared = declared;
    this.max = max;
    this.budget = budget;
    this.idleNanos = idleNanos;
    if (declared > max) {
      startDiscarding(0); // refused already: read it only to throw it away
    }
  }

  /** Whether a refused body of {@code declared} bytes is small enough to read to its end before the 413. */
  static boolean swallows(long declared) {
    return declared <= SWALLOW_LIMIT;
  }

  /** Starts watching for a stalled body on {@code timer}. */
  void watch(ScheduledExecutorService timer) {
    idleCheck = timer.schedule(() -> checkIdle(timer), idleNanos, TimeUnit.NANOSECONDS);
  }

  private void checkIdle(ScheduledExecutorService timer) {
    if (!reading) {
      return;
    }
    long idle = System.nanoTime() - lastProgress;
    if (idle < idleNanos) {
      idleCheck = timer.schedule(() -> checkIdle(timer), idleNanos - idle, TimeUnit.NANOSECONDS);
      return;
    }
    reading = false;
    exchange.stalled(length + discarded);
  }

  /** Stops the idle check; the exchange ended. From any thread. */
  void stopWatching() {
    reading = false;
    ScheduledFuture<?> check = idleCheck;
    if (check != null) {
      check.cancel(false);
    }
  }

  /** Gives back every byte reserved; idempotent, from any thread. */
  void release() {
    if (released.compareAndSet(false, true)) {
      synchronized (this) {
        budget.release(reserved);
        reserved = 0;
      }
    }
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
        if (declared >= 0 && length == declared) {
          // the container stops at Content-Length: this read only sees the end
          if (in.read() < 0) {
            return;
          }
          throw new IOException("request body longer than its Content-Length " + declared);
        }
        if (!grow()) {
          exchange.overBudget();
          startDiscarding(length);
          continue;
        }
      }
      int n = in.read(buf, length, buf.length - length);
      if (n < 0) {
        return; // onAllDataRead follows
      }
      if (n > 0) {
        lastProgress = System.nanoTime();
      }
      length += n;
      if (length > max) {
        exchange.tooLarge();
        startDiscarding(length - max);
      }
    }
  }

  /** Grows the array for more bytes, reserving the growth first; false when the budget has no room. */
  private boolean grow() {
    long limit = declared >= 0 ? declared : max + 1;
    int capacity = (int) Math.min(limit, Math.max(FIRST_CAPACITY, (long) buf.length * 2));
    long more = capacity - buf.length;
    synchronized (this) {
      if (released.get() || !budget.tryReserve(more)) {
        return false;
      }
      reserved += more;
    }
    buf = Arrays.copyOf(buf, capacity);
    return true;
  }

  private void startDiscarding(long alreadyDropped) {
    discarding = true;
    discarded = alreadyDropped;
    buf = new byte[DISCARD_BUFFER];
    release(); // the idle check goes on: a refused body that stalls still ends
  }

  /** Reads and drops one piece of a refused body; true once reading stops. */
  private boolean discard() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      return true; // onAllDataRead follows
    }
    if (n > 0) {
      lastProgress = System.nanoTime();
    }
    discarded += n;
    if (discarded > SWALLOW_LIMIT) {
      stopped = true;
      reading = false;
      exchange.refusedBodyEnded(); // too much to swallow: close
      return true;
    }
    return false;
  }

  @Override
  public void onAllDataRead() {
    reading = false;
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
    reading = false;
    exchange.readFailed(t);
  }
}
