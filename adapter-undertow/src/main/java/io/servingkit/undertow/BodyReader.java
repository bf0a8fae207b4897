package io.servingkit.undertow;

import io.servingkit.api.BodyBudget;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads one request body with non-blocking reads into an array that grows with the bytes that arrived (doubling
 * from 16 KiB, never past the declared {@code Content-Length} or just over the size limit), so a client that
 * declares a large body and sends little holds little. Each growth is reserved from the server's
 * {@link BodyBudget} first (503 when it does not fit) and everything reserved is given back when the exchange
 * or its connection ends. A body that goes {@code requestBodyTimeout} without a byte is answered 408 and its
 * connection closed. Hands the whole body to {@link ServingHandler#process} on the IO thread.
 *
 * <p>Threading: every method runs on the connection's IO thread (reads, the idle check, the end listeners).
 */
final class BodyReader implements ChannelListener<StreamSourceChannel> {

  private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);

  /**
   * The body a connection is reading now, if any, for the one close listener each connection gets: a listener per
   * request would hold every request's exchange and body for as long as a keep-alive connection lives.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final AttachmentKey<AtomicReference<BodyReader>> READING =
      (AttachmentKey) AttachmentKey.create(AtomicReference.class);
  static final int FIRST_CAPACITY = 16 * 1024;

  private final ServingHandler handler;
  private final HttpServerExchange exchange;
  private final long declared;
  private final long max;
  private final BodyBudget budget;
  private final long idleNanos;
  private byte[] buf = new byte[0];
  private int length;
  private long reserved;
  private boolean released;
  private boolean finished;
  private long lastProgress;
  private XnioExecutor.Key idleCheck;

  /**
   * @param declared the declared {@code Content-Length}, or -1 for a chunked body
   * @param max the largest body accepted (at most an array's size)
   * @param idleNanos how long the body may go without a byte
   */
  BodyReader(
      ServingHandler handler, HttpServerExchange exchange, long declared, long max, BodyBudget budget, long idleNanos) {
    this.handler = handler;
    this.exchange = exchange;
    this.declared = declared;
    this.max = max;
    this.budget = budget;
    this.idleNanos = idleNanos;
  }

  /** What a round of reading ended with. */
  private enum State {
    WAITING,
    COMPLETE,
    TOO_LARGE,
    OVER_BUDGET,
    FAILED
  }

  /** Reads what is available now; waits for the rest with a read listener. Called inside the handler. */
  void start() {
    StreamSourceChannel channel = exchange.getRequestChannel();
    if (channel == null) {
      throw new IllegalStateException("request body already read by another handler");
    }
    AtomicReference<BodyReader> reading = readingOn(exchange.getConnection());
    reading.set(this);
    exchange.addExchangeCompleteListener(
        (ex, next) -> {
          release();
          reading.compareAndSet(this, null);
          next.proceed();
        });
    lastProgress = System.nanoTime();
    State state = readAvailable(channel);
    if (state == State.WAITING) {
      channel.getReadSetter().set(this);
      channel.resumeReads();
      scheduleIdleCheck(idleNanos);
    } else {
      finish(channel, state);
    }
  }

  @Override
  public void handleEvent(StreamSourceChannel channel) {
    State state = readAvailable(channel);
    if (state != State.WAITING) {
      finish(channel, state);
    }
  }

  private void finish(StreamSourceChannel channel, State state) {
    finished = true;
    channel.getReadSetter().set(null);
    channel.suspendReads();
    if (idleCheck != null) {
      idleCheck.remove();
    }
    switch (state) {
      case COMPLETE -> handler.process(exchange, buf, length);
      case TOO_LARGE -> handler.tooLarge(exchange);
      case OVER_BUDGET -> handler.overBudget(exchange);
      default -> {
        release();
        IoUtils.safeClose(exchange.getConnection());
      }
    }
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = exchange.getIoThread().executeAfter(this::checkIdle, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
  }

  private void checkIdle() {
    if (finished) {
      return;
    }
    long idle = System.nanoTime() - lastProgress;
    if (idle < idleNanos) {
      scheduleIdleCheck(idleNanos - idle);
      return;
    }
    finished = true;
    StreamSourceChannel channel = exchange.getRequestChannel();
    if (channel != null) {
      channel.getReadSetter().set(null);
      channel.suspendReads();
    }
    handler.stalled(exchange, length);
  }

  /** The connection's slot for the body it reads; the first request of a connection adds its close listener. */
  private static AtomicReference<BodyReader> readingOn(ServerConnection connection) {
    AtomicReference<BodyReader> reading = connection.getAttachment(READING);
    if (reading == null) {
      AtomicReference<BodyReader> created = new AtomicReference<>();
      connection.putAttachment(READING, created);
      connection.addCloseListener(
          c -> {
            BodyReader open = created.getAndSet(null);
            if (open != null) {
              open.release();
            }
          });
      reading = created;
    }
    return reading;
  }

  /** Gives the reserved bytes back once; the exchange or its connection ended. */
  private void release() {
    if (!released) {
      released = true;
      budget.release(reserved);
    }
  }

  /** Grows the array for more bytes, reserving the growth first; false when the budget has no room. */
  private boolean grow() {
    long limit = declared >= 0 ? declared : max + 1;
    int capacity = (int) Math.min(limit, Math.max(FIRST_CAPACITY, (long) buf.length * 2));
    long more = capacity - buf.length;
    if (!budget.tryReserve(more)) {
      return false;
    }
    reserved += more;
    buf = Arrays.copyOf(buf, capacity);
    return true;
  }

  /** Reads until the channel has no data for now, the body is complete, or it is refused. */
  private State readAvailable(StreamSourceChannel channel) {
    try {
      boolean progress = false;
      try {
        while (true) {
          if (declared >= 0 && length == declared) {
            return State.COMPLETE;
          }
          if (length == buf.length) {
            if (declared < 0 && length > max) {
              return State.TOO_LARGE;
            }
            if (!grow()) {
              return State.OVER_BUDGET;
            }
          }
          int n = channel.read(ByteBuffer.wrap(buf, length, buf.length - length));
          if (n == -1) {
            if (declared >= 0) {
              throw new IOException("request body ended after " + length + " of " + declared + " bytes");
            }
            return State.COMPLETE;
          }
          if (n == 0) {
            return State.WAITING;
          }
          progress = true;
          length += n;
          if (declared < 0 && length > max) {
            return State.TOO_LARGE;
          }
        }
      } finally {
        if (progress) {
          lastProgress = System.nanoTime();
        }
      }
    } catch (IOException e) {
      LOG.debug("Reading the request body failed: {}", e.toString());
      return State.FAILED;
    }
  }
}
