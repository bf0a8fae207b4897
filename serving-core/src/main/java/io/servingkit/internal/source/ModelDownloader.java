package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Downloads a model over {@code http(s)} into a file, within a time limit for the whole download and a size limit
 * enforced while streaming: a {@code Content-Length} over the limit is refused before any byte is read, and a
 * body without one is cut off as soon as it passes the limit.
 *
 * <p>Threading: safe for concurrent use. The JDK {@link HttpClient} is created on first use and shared; its
 * threads are daemon threads owned by the client.
 */
final class ModelDownloader {
  private final Duration timeout;
  private final long maxBytes;
  private final ReentrantLock lock = new ReentrantLock();
  private HttpClient client;

  ModelDownloader(Duration timeout, long maxBytes) {
    this.timeout = timeout;
    this.maxBytes = maxBytes;
  }

  /**
   * Downloads {@code uri} into {@code destination}, replacing it.
   *
   * @param label the URL as the user gave it, for error messages
   * @throws ModelLoadException on a non-2xx status, a body over the size limit, a timeout or an I/O failure
   */
  void download(URI uri, Path destination, String label) {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    CompletableFuture<HttpResponse<Path>> future =
        client().sendAsync(request, info -> bodyFor(info, destination, label));
    try {
      future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timedOut(label);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ModelLoadException("download of " + label + " was interrupted", e);
    } catch (ExecutionException e) {
      throw failure(uri, label, e.getCause());
    }
  }

  private HttpResponse.BodySubscriber<Path> bodyFor(HttpResponse.ResponseInfo info, Path destination, String label) {
    int status = info.statusCode();
    if (status < 200 || status > 299) {
      return CappedFileSubscriber.failing(
          new ModelLoadException("download of " + label + " failed: HTTP " + status));
    }
    OptionalLong length = info.headers().firstValueAsLong("Content-Length");
    if (length.isPresent() && length.getAsLong() > maxBytes) {
      return CappedFileSubscriber.failing(
          new ModelLoadException(
              "download of "
                  + label
                  + " refused: Content-Length of "
                  + length.getAsLong()
                  + " bytes exceeds the limit of "
                  + maxBytes
                  + " bytes"));
    }
    return new CappedFileSubscriber(destination, maxBytes, label);
  }

  private HttpClient client() {
    lock.lock();
    try {
      if (client == null) {
        client =
            HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
      }
      return client;
    } finally {
      lock.unlock();
    }
  }

  private ModelLoadException failure(URI uri, String label, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ModelLoadException) {
        return (ModelLoadException) t;
      }
      if (t instanceof HttpTimeoutException) {
        return timedOut(label);
      }
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return new ModelLoadException("download of " + label + " failed: unknown host " + uri.getHost(), cause);
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return new ModelLoadException(
            "download of " + label + " failed: cannot connect to " + uri.getHost() + ":" + port, cause);
      }
    }
    String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.toString();
    return new ModelLoadException("download of " + label + " failed: " + why, cause);
  }

  private ModelLoadException timedOut(String label) {
    return new ModelLoadException("download of " + label + " timed out after " + seconds(timeout));
  }

  /** {@code 30s}, or {@code 0.5s} for a timeout that is not a whole number of seconds. */
  static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
  }
}
