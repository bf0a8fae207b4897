package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Writes an HTTP response body to a file, cancelling the response as soon as it passes a byte limit.
 *
 * <p>Threading: the HTTP client calls it serially, as {@link Flow.Subscriber} requires.
 */
final class CappedFileSubscriber implements HttpResponse.BodySubscriber<Path> {
  private final CompletableFuture<Path> result = new CompletableFuture<>();
  private final Path destination;
  private final long maxBytes;
  private final String label;
  private final ModelLoadException refusal;
  private Flow.Subscription subscription;
  private FileChannel channel;
  private long received;

  CappedFileSubscriber(Path destination, long maxBytes, String label) {
    this(destination, maxBytes, label, null);
  }

  private CappedFileSubscriber(Path destination, long maxBytes, String label, ModelLoadException refusal) {
    this.destination = destination;
    this.maxBytes = maxBytes;
    this.label = label;
    this.refusal = refusal;
  }

  /** A subscriber that reads nothing and fails with {@code refusal}. */
  static CappedFileSubscriber failing(ModelLoadException refusal) {
    return new CappedFileSubscriber(null, 0, null, refusal);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    if (refusal != null) {
      s.cancel();
      result.completeExceptionally(refusal);
      return;
    }
    try {
      channel =
          FileChannel.open(
              destination,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      fail(e);
      return;
    }
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    if (result.isDone()) {
      return;
    }
    try {
      for (ByteBuffer buffer : buffers) {
        received += buffer.remaining();
        if (received > maxBytes) {
          fail(
              new ModelLoadException(
                  "download of " + label + " refused: the body exceeds the limit of " + maxBytes + " bytes"));
          return;
        }
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    } catch (IOException e) {
      fail(e);
      return;
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable error) {
    close();
    result.completeExceptionally(error);
  }

  @Override
  public void onComplete() {
    if (result.isDone()) {
      return;
    }
    try {
      if (channel != null) {
        channel.close();
      }
      result.complete(destination);
    } catch (IOException e) {
      result.completeExceptionally(e);
    }
  }

  @Override
  public CompletionStage<Path> getBody() {
    return result;
  }

  private void fail(Throwable error) {
    subscription.cancel();
    close();
    result.completeExceptionally(error);
  }

  private void close() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // the download has already failed; the file is deleted by the caller
      }
    }
  }
}
