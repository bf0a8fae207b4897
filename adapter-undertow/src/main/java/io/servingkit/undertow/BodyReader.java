package io.servingkit.undertow;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSourceChannel;

/**
 * Reads one request body with non-blocking reads straight into its final array: exactly
 * {@code Content-Length} bytes when the length is declared, a doubling array (capped just above the size
 * limit) for chunked bodies. Hands the result to {@link ServingHandler#process} on the IO thread.
 */
final class BodyReader implements ChannelListener<StreamSourceChannel> {

  private static final Logger LOG = LoggerFactory.getLogger(BodyReader.class);
  private static final int FIRST_CHUNKED_CAPACITY = 16 * 1024;

  private final ServingHandler handler;
  private final HttpServerExchange exchange;
  private final long declared;
  private final long max;
  private byte[] buf;
  private int length;

  BodyReader(ServingHandler handler, HttpServerExchange exchange, long declared, long max) {
    this.handler = handler;
    this.exchange = exchange;
    this.declared = declared;
    this.max = max;
    this.buf = new byte[declared >= 0 ? (int) declared : (int) Math.min(FIRST_CHUNKED_CAPACITY, max + 1)];
  }

  /** What a round of reading ended with. */
  private enum State {
    WAITING,
    COMPLETE,
    TOO_LARGE,
    FAILED
  }

  /** Reads what is available now; waits for the rest with a read listener. Called inside the handler. */
  void start() {
    StreamSourceChannel channel = exchange.getRequestChannel();
    if (channel == null) {
      throw new IllegalStateException("request body already read by another handler");
    }
    State state = readAvailable(channel);
    if (state == State.WAITING) {
      channel.getReadSetter().set(this);
      channel.resumeReads();
    } else {
      finish(state);
    }
  }

  @Override
  public void handleEvent(StreamSourceChannel channel) {
    State state = readAvailable(channel);
    if (state != State.WAITING) {
      channel.getReadSetter().set(null);
      channel.suspendReads();
      finish(state);
    }
  }

  private void finish(State state) {
    switch (state) {
      case COMPLETE -> handler.process(exchange, buf, length);
      case TOO_LARGE -> handler.tooLarge(exchange);
      default -> IoUtils.safeClose(exchange.getConnection());
    }
  }

  /** Reads until the channel has no data for now, the body is complete, or it is too large. */
  private State readAvailable(StreamSourceChannel channel) {
    try {
      while (true) {
        if (declared >= 0 && length == buf.length) {
          return State.COMPLETE;
        }
        if (length == buf.length) {
          if (length > max) {
            return State.TOO_LARGE;
          }
          buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, max + 1));
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
        length += n;
        if (declared < 0 && length > max) {
          return State.TOO_LARGE;
        }
      }
    } catch (IOException e) {
      LOG.debug("Reading the request body failed: {}", e.toString());
      return State.FAILED;
    }
  }
}
