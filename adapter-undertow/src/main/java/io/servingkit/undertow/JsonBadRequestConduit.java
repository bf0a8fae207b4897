package io.servingkit.undertow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.xnio.conduits.AbstractStreamSinkConduit;
import org.xnio.conduits.StreamSinkConduit;

/**
 * Turns Undertow's own answer to a request it cannot parse (a bad request line or header, a {@code %} not
 * followed by two hex digits, a head over {@code MAX_HEADER_SIZE}) into the API's JSON 400. Undertow writes that
 * answer as one fixed 66-byte string, {@code HTTP/1.1 400 Bad Request} with an empty body, straight to the
 * connection and has no hook for it, so this conduit sits under Undertow's on every connection of the standalone
 * server and replaces exactly that write; every other write passes through untouched. (A response body that is
 * byte for byte that string, in a write of its own, would be replaced too: harmless, and it does not happen
 * with the API's responses, whose heads and bodies differ.)
 *
 * <p>Threading: the connection's IO thread, as every conduit.
 */
final class JsonBadRequestConduit extends AbstractStreamSinkConduit<StreamSinkConduit> {

  /** What Undertow 2.3 writes (HttpReadListener.BAD_REQUEST). */
  static final byte[] UNDERTOW_BAD_REQUEST =
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Supplier<byte[]> replacement;
  private ByteBuffer pending;

  JsonBadRequestConduit(StreamSinkConduit next, Supplier<byte[]> replacement) {
    super(next);
    this.replacement = replacement;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (pending != null && !writePending()) {
      return 0;
    }
    if (isUndertowBadRequest(src)) {
      int n = src.remaining();
      src.position(src.limit());
      pending = ByteBuffer.wrap(replacement.get());
      writePending();
      return n;
    }
    return next.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offs, int len) throws IOException {
    if (pending != null && !writePending()) {
      return 0;
    }
    return next.write(srcs, offs, len);
  }

  @Override
  public int writeFinal(ByteBuffer src) throws IOException {
    if (pending != null || isUndertowBadRequest(src)) {
      int n = write(src);
      return n;
    }
    return next.writeFinal(src);
  }

  @Override
  public boolean flush() throws IOException {
    if (pending != null && !writePending()) {
      return false;
    }
    return next.flush();
  }

  /** Writes what is left of the replacement; true once all of it is out. */
  private boolean writePending() throws IOException {
    while (pending.hasRemaining()) {
      if (next.write(pending) == 0) {
        return false;
      }
    }
    pending = null;
    return true;
  }

  private static boolean isUndertowBadRequest(ByteBuffer src) {
    if (src.remaining() != UNDERTOW_BAD_REQUEST.length) {
      return false;
    }
    for (int i = 0; i < UNDERTOW_BAD_REQUEST.length; i++) {
      if (src.get(src.position() + i) != UNDERTOW_BAD_REQUEST[i]) {
        return false;
      }
    }
    return true;
  }
}
