package io.servingkit.api;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The answer to an {@link ApiRequest}: status, reason phrase, headers, and either a whole body or a
 * {@linkplain ChunkStream stream of chunks}.
 *
 * <p>An adapter copies {@link #status()}, {@link #reason()} and {@link #headers()} to its response and then
 * writes {@link #body()} with a {@code Content-Length}. When {@link #isStream()} is true it instead reads
 * {@link #stream()} on a thread that may block, and reads status and headers only <em>after</em> the first
 * chunk arrived (headers are deferred so that the model can still change the status): when that first chunk
 * is also the last ({@link ChunkStream#hasNext()} false) it sends it whole with a {@code Content-Length},
 * otherwise it sends a chunked response, flushing each chunk.
 *
 * <p>Threading: a fixed response is immutable. The status and headers of a stream reflect the model's output
 * at the time they are read; the stream itself is read by one thread.
 */
public final class ApiResponse {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  /** A streamed body, produced by the model while the response is being sent. */
  public interface ChunkStream {

    /**
     * Whether more chunks may follow. Never blocks; false once the producer finished and every chunk was
     * taken.
     */
    boolean hasNext();

    /**
     * Waits for the next chunk, at most {@link ApiConfig#chunkReadTimeout()}.
     *
     * @return the chunk (possibly empty), or null when the stream has ended
     * @throws TimeoutException when no chunk arrived in time; the adapter then aborts the response
     * @throws InterruptedException when the waiting thread is interrupted
     */
    ByteBuffer next() throws InterruptedException, TimeoutException;
  }

  /** Status line and headers. */
  record Head(int status, String reason, Map<String, String> headers) {}

  private final Head head;
  private final Supplier<Head> lazyHead;
  private final ByteBuffer body;
  private final ChunkStream stream;

  private ApiResponse(Head head, Supplier<Head> lazyHead, ByteBuffer body, ChunkStream stream) {
    this.head = head;
    this.lazyHead = lazyHead;
    this.body = body;
    this.stream = stream;
  }

  static ApiResponse whole(int status, String reason, Map<String, String> headers, ByteBuffer body) {
    return new ApiResponse(
        new Head(status, reason, Collections.unmodifiableMap(new LinkedHashMap<>(headers))), null, body == null ? EMPTY : body, null);
  }

  static ApiResponse streamed(Supplier<Head> head, ChunkStream stream) {
    return new ApiResponse(null, Objects.requireNonNull(head), EMPTY, Objects.requireNonNull(stream));
  }

  private Head head() {
    return head != null ? head : lazyHead.get();
  }

  /** The HTTP status code. */
  public int status() {
    return head().status();
  }

  /** The reason phrase for the status line (single line, printable ASCII). */
  public String reason() {
    return head().reason();
  }

  /**
   * The response headers, one value per name, names spelled as they should be sent (no two differ only in
   * case). Never contains {@code Content-Length}: the adapter sets it from the body.
   */
  public Map<String, String> headers() {
    return head().headers();
  }

  /** The first value of a header, matched ignoring case, or null. */
  public String header(String name) {
    for (Map.Entry<String, String> e : headers().entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The whole body (empty for a stream); a duplicate view each call. */
  public ByteBuffer body() {
    return body.duplicate();
  }

  /** Whether the body is a stream of chunks rather than a whole body. */
  public boolean isStream() {
    return stream != null;
  }

  /**
   * The chunks of a streamed body.
   *
   * @throws IllegalStateException when the response is not a stream
   */
  public ChunkStream stream() {
    if (stream == null) {
      throw new IllegalStateException("not a streaming response");
    }
    return stream;
  }

  @Override
  public String toString() {
    return isStream() ? "ApiResponse{stream}" : "ApiResponse{" + status() + " " + reason() + "}";
  }
}
