package io.servingkit.api;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The results of asynchronous requests ({@code x-synchronous: false}), DJL Serving's pagination: a request gets a
 * token at once ({@code x-next-token}) while its prediction runs; {@code x-starting-token: <token>} then answers 202
 * while the result is not there, the result when it is, or — for a streamed result — the chunks produced so far
 * (at most {@code x-max-items} of them) with an {@code x-next-token} as long as more will come. A result is given out
 * once: an answered token is forgotten.
 *
 * <p>Bounded: at most {@code capacity} results are kept (the oldest goes first, even unfinished) and none for longer
 * than {@code ttl} after its request; both are checked on every call, so no thread is needed. {@link #close()} forgets
 * everything.
 *
 * <p>Threading: every method is safe for concurrent use; {@link #lock} guards {@link #entries} and is held only for
 * quick, non-blocking work (chunks are taken with {@link ChunkedBytesSupplier#pollChunk()}).
 */
final class AsyncResults implements AutoCloseable {

  static final String X_SYNCHRONOUS = "x-synchronous";
  static final String X_STARTING_TOKEN = "x-starting-token";
  static final String X_NEXT_TOKEN = "x-next-token";
  static final String X_MAX_ITEMS = "x-max-items";
  /** SageMaker carries the same settings as {@code name=value} pairs in this header. */
  static final String CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes";

  private final int capacity;
  private final long ttlNanos;
  private final LongSupplier nanoClock;
  private final ReentrantLock lock = new ReentrantLock();
  /** Oldest first. Guarded by {@link #lock}. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  private static final class Entry {
    final long created;
    final CompletableFuture<Output> result;

    Entry(long created, CompletableFuture<Output> result) {
      this.created = created;
      this.result = result;
    }
  }

  AsyncResults(int capacity, Duration ttl, LongSupplier nanoClock) {
    this.capacity = capacity;
    this.ttlNanos = ttl.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Keeps {@code result} (an Output, or the failure to answer with) under a new token, which it returns. */
  String start(CompletableFuture<Output> result) {
    String token = UUID.randomUUID().toString();
    lock.lock();
    try {
      forgetExpired();
      while (entries.size() >= capacity) {
        Iterator<String> eldest = entries.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
      entries.put(token, new Entry(nanoClock.getAsLong(), result));
    } finally {
      lock.unlock();
    }
    return token;
  }

  /**
   * What a poll with {@code token} answers: the pending answer, the finished result, or the next chunks of a streamed
   * one; null when the token is unknown (never given, answered already, expired or evicted). A failed prediction
   * completes the returned stage exceptionally with its failure.
   */
  CompletableFuture<Output> poll(String token, int maxItems) {
    lock.lock();
    try {
      forgetExpired();
      Entry entry = entries.get(token);
      if (entry == null) {
        return null;
      }
      CompletableFuture<Output> result = entry.result;
      if (!result.isDone()) {
        Output pending = new Output(202, "The model result is not yet available");
        pending.addProperty(X_NEXT_TOKEN, token);
        pending.addProperty(CUSTOM_ATTRIBUTES, X_NEXT_TOKEN + "=" + token);
        return CompletableFuture.completedFuture(pending);
      }
      if (result.isCompletedExceptionally()) {
        entries.remove(token);
        return result;
      }
      Output output = result.join();
      BytesSupplier data = output.getData();
      if (!(data instanceof ChunkedBytesSupplier chunks)) {
        entries.remove(token);
        return result;
      }
      ByteArrayOutputStream produced = new ByteArrayOutputStream();
      for (int i = 0; i < maxItems; i++) {
        byte[] chunk = chunks.pollChunk();
        if (chunk == null) {
          break;
        }
        produced.writeBytes(chunk);
      }
      Output page = new Output(output.getCode(), output.getMessage());
      output.getProperties().forEach(page::addProperty);
      page.add(produced.toByteArray());
      if (chunks.hasNext()) {
        page.addProperty(X_NEXT_TOKEN, token);
        page.addProperty(CUSTOM_ATTRIBUTES, X_NEXT_TOKEN + "=" + token);
      } else {
        entries.remove(token);
      }
      return CompletableFuture.completedFuture(page);
    } finally {
      lock.unlock();
    }
  }

  /** How many results are kept now. */
  int size() {
    lock.lock();
    try {
      forgetExpired();
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  /** Forgets every result; predictions still running finish unseen. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      entries.clear();
    } finally {
      lock.unlock();
    }
  }

  /** Drops the entries older than the time to live; they are the oldest, so it stops at the first young one. */
  private void forgetExpired() {
    long now = nanoClock.getAsLong();
    Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      if (now - it.next().getValue().created < ttlNanos) {
        return;
      }
      it.remove();
    }
  }

  /** The value of {@code name} from its own header, else from the SageMaker custom attributes; null when absent. */
  static String setting(ApiRequest request, String name) {
    String direct = request.header(name);
    if (direct != null && !direct.isBlank()) {
      return direct.strip();
    }
    String attributes = request.header(CUSTOM_ATTRIBUTES);
    if (attributes == null) {
      return null;
    }
    for (String pair : attributes.split("[,;]")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).strip().equalsIgnoreCase(name)) {
        return pair.substring(eq + 1).strip();
      }
    }
    return null;
  }
}
