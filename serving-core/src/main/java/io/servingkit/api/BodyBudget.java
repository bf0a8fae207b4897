package io.servingkit.api;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A server-wide allowance of memory for request bodies being received or served: an adapter reserves each
 * piece of buffer before it allocates it (so a body holds only what has arrived, never what its
 * {@code Content-Length} promises) and releases it when the exchange ends. A request whose next piece does
 * not fit is answered 503 ({@link ServingApi#rejectOverBudget}).
 *
 * <p>Share one instance between the {@link ApiConfig}s of a server's listeners to make the budget server-wide.
 *
 * <p>Threading: lock-free; safe from any number of threads.
 */
public final class BodyBudget {

  private final long capacity;
  private final AtomicLong used = new AtomicLong();

  /** A budget of {@code capacityBytes}, at least 1. */
  public BodyBudget(long capacityBytes) {
    if (capacityBytes < 1) {
      throw new IllegalArgumentException("body budget must be at least 1 byte, got " + capacityBytes);
    }
    this.capacity = capacityBytes;
  }

  /**
   * The default: a quarter of the JVM's maximum heap, but never less than {@code maxRequestSize} (so that
   * one body of the largest allowed size always fits).
   */
  public static BodyBudget forHeap(long maxRequestSize) {
    return new BodyBudget(Math.max(maxRequestSize, Runtime.getRuntime().maxMemory() / 4));
  }

  /** Reserves {@code bytes} when they fit in what is left; false (and nothing reserved) otherwise. */
  public boolean tryReserve(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
    }
    while (true) {
      long now = used.get();
      if (bytes > capacity - now) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /** Gives back {@code bytes} reserved earlier. */
  public void release(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
    }
    long after = used.addAndGet(-bytes);
    if (after < 0) {
      used.addAndGet(bytes);
      throw new IllegalStateException("released " + bytes + " bytes more than were reserved");
    }
  }

  /** Bytes reserved now. */
  public long inUse() {
    return used.get();
  }

  /** The most bytes that may be reserved at once. */
  public long capacity() {
    return capacity;
  }

  @Override
  public String toString() {
    return "BodyBudget{inUse=" + used.get() + ", capacity=" + capacity + "}";
  }
}
