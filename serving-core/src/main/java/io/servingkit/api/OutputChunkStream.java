package io.servingkit.api;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.ndarray.BytesSupplier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The chunks of a DJL {@link ChunkedBytesSupplier}, as an {@link ApiResponse.ChunkStream}. */
final class OutputChunkStream implements ApiResponse.ChunkStream {

  private final ChunkedBytesSupplier chunks;
  private final long timeoutNanos;

  OutputChunkStream(ChunkedBytesSupplier chunks, Duration timeout) {
    this.chunks = chunks;
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public boolean hasNext() {
    return chunks.hasNext();
  }

  @Override
  public ByteBuffer next() throws InterruptedException, TimeoutException {
    if (!chunks.hasNext()) {
      // the producer marks the stream complete just before it queues the last chunk: take one that is
      // already there rather than dropping it
      BytesSupplier late = chunks.poll();
      return late == null ? null : ByteBuffer.wrap(late.getAsBytes());
    }
    BytesSupplier next;
    try {
      next = chunks.next(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (IllegalStateException e) {
      TimeoutException timeout =
          new TimeoutException("no chunk of the streamed output within " + Duration.ofNanos(timeoutNanos));
      timeout.initCause(e);
      throw timeout;
    }
    return ByteBuffer.wrap(next.getAsBytes());
  }
}
