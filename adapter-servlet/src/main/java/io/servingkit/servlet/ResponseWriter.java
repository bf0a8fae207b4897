package io.servingkit.servlet;

import io.servingkit.api.ApiResponse;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one answer's body with non-blocking writes: a whole body in one write, or a streamed output chunk by
 * chunk, each chunk flushed so the client sees it at once.
 *
 * <p>Chunks are pulled ({@link ApiResponse.ChunkStream#next()} may wait) on the servlet's stream threads and
 * written by whichever thread finds the output ready: the pulling thread when the output is already ready,
 * otherwise the container's {@link #onWritePossible()}. The steps — write, flush, pull the next — advance
 * only while {@link ServletOutputStream#isReady()} says so; when it says no, the container calls back, so
 * exactly one party drives the output at any time.
 *
 * <p>Threading: every method runs under the exchange's lock and does nothing once the exchange is done.
 */
final class ResponseWriter implements WriteListener {

  private static final Logger LOG = LoggerFactory.getLogger(ResponseWriter.class);

  private enum Step {
    /** {@link #pending} is to be written. */
    WRITE,
    /** A chunk was written; flush it. */
    FLUSH,
    /** Flushed; pull the next chunk. */
    PULL,
    /** A pull is under way on a stream thread. */
    WAIT,
    /** Everything was written; complete the exchange. */
    COMPLETE
  }

  private final ServletExchange exchange;
  private final ServletOutputStream out;
  private final ApiResponse.ChunkStream stream;
  private ByteBuffer pending;
  private boolean last;
  private Step step = Step.WRITE;
  private int chunks;

  ResponseWriter(
      ServletExchange exchange, ServletOutputStream out, ApiResponse response, ByteBuffer first, boolean last) {
    this.exchange = exchange;
    this.out = out;
    this.stream = response.isStream() ? response.stream() : null;
    this.pending = first;
    this.last = last;
  }

  /**
   * Runs on a stream thread: waits for the first chunk, then sends the head (the model may still change the
   * status until then). A stream of one chunk is sent whole with a {@code Content-Length}.
   */
  static void pullFirst(ServletExchange exchange, ApiResponse response) {
    ApiResponse.ChunkStream stream = response.stream();
    ByteBuffer first;
    try {
      first = stream.next();
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("Streamed output of {} failed before its first chunk: {}", exchange.uri(), e.toString());
      exchange.fail(e);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.fail(e);
      return;
    }
    boolean only = first == null || !stream.hasNext();
    exchange.startWriting(response, first == null ? ByteBuffer.allocate(0) : first, only);
  }

  @Override
  public void onWritePossible() {
    exchange.lock().lock();
    try {
      drive();
    } finally {
      exchange.lock().unlock();
    }
  }

  @Override
  public void onError(Throwable t) {
    LOG.debug("Writing the answer to {} failed: {}", exchange.uri(), t.toString());
    exchange.lock().lock();
    try {
      exchange.finish();
    } finally {
      exchange.lock().unlock();
    }
  }

  /** The exchange timed out while this writer owned it: write what can go out now. Under lock. */
  void writeWhatIsReady() {
    drive();
  }

  /** Advances while the output is ready. Under lock. */
  private void drive() {
    try {
      while (!exchange.isDone() && out.isReady()) {
        switch (step) {
          case WRITE -> {
            ServletExchange.write(out, pending);
            pending = null;
            chunks++;
            step = last ? Step.COMPLETE : Step.FLUSH;
          }
          case FLUSH -> {
            out.flush();
            step = Step.PULL;
          }
          case PULL -> {
            step = Step.WAIT;
            pullLater();
            return;
          }
          case COMPLETE -> {
            exchange.finish();
            return;
          }
          case WAIT -> {
            return;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Writing the answer to {} failed: {}", exchange.uri(), e.toString());
      exchange.finish();
    }
  }

  private void pullLater() {
    try {
      exchange.streamThreads().execute(this::pullNext);
    } catch (RejectedExecutionException e) {
      exchange.breakStream(e); // the servlet is being destroyed
    }
  }

  /** Runs on a stream thread: waits for the next chunk and writes it if the output is ready. */
  private void pullNext() {
    ByteBuffer chunk;
    try {
      do {
        chunk = stream.next();
      } while (chunk != null && !chunk.hasRemaining() && stream.hasNext()); // nothing to send yet
    } catch (TimeoutException | RuntimeException e) {
      LOG.warn("Streamed output of {} failed after {} chunks: {}", exchange.uri(), chunks, e.toString());
      exchange.breakStream(e);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.breakStream(e);
      return;
    }
    exchange.lock().lock();
    try {
      if (chunk == null) {
        step = Step.COMPLETE;
      } else {
        pending = chunk;
        last = !stream.hasNext();
        step = Step.WRITE;
      }
      drive();
    } finally {
      exchange.lock().unlock();
    }
  }
}
