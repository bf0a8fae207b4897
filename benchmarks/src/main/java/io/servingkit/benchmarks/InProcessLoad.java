package io.servingkit.benchmarks;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.ModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process baseline of {@code benchmarks/load/run.sh}: the same model folder and request body as the HTTP
 * load, sent straight to {@link ModelServer#predict} by {@code C} closed-loop clients (each sends its next request
 * when its previous answer arrives, like a wrk connection), then prints one line:
 * {@code inprocess connections=C requests=N rps=R p50_ms=X p99_ms=Y errors=E}.
 *
 * <p>Run: {@code java -cp ... io.servingkit.benchmarks.InProcessLoad MODEL_DIR BODY_FILE CONTENT_TYPE CONNECTIONS
 * WARMUP_S DURATION_S} (see run.sh, which uses the same JVM flags as the server).
 */
public final class InProcessLoad {

  private static final int MAX_SAMPLES = 20_000_000;

  private final ModelServer server;
  private final byte[] body;
  private final String contentType;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean measuring = new AtomicBoolean(false);
  private final AtomicLong errors = new AtomicLong();
  private final long[] samples = new long[MAX_SAMPLES];
  private final AtomicInteger count = new AtomicInteger();
  private final CountDownLatch stopped;

  private InProcessLoad(ModelServer server, byte[] body, String contentType, int clients) {
    this.server = server;
    this.body = body;
    this.contentType = contentType;
    this.stopped = new CountDownLatch(clients);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: InProcessLoad MODEL_DIR BODY_FILE CONTENT_TYPE CONNECTIONS WARMUP_S DURATION_S");
      System.exit(2);
    }
    Path modelDir = Path.of(args[0]).toAbsolutePath();
    byte[] body = Files.readAllBytes(Path.of(args[1]));
    int clients = Integer.parseInt(args[3]);
    long warmup = Long.parseLong(args[4]);
    long duration = Long.parseLong(args[5]);
    try (ModelServer server = ModelServer.builder().model("m=" + modelDir.toUri()).build()) {
      InProcessLoad load = new InProcessLoad(server, body, args[2], clients);
      for (int i = 0; i < clients; i++) {
        load.send();
      }
      TimeUnit.SECONDS.sleep(warmup);
      load.measuring.set(true);
      long start = System.nanoTime();
      TimeUnit.SECONDS.sleep(duration);
      load.measuring.set(false);
      long elapsed = System.nanoTime() - start;
      load.running.set(false);
      if (!load.stopped.await(60, TimeUnit.SECONDS)) {
        System.err.println("clients did not stop");
      }
      load.report(clients, elapsed);
    }
  }

  private void send() {
    if (!running.get()) {
      stopped.countDown();
      return;
    }
    Input input = new Input();
    input.add("data", body);
    input.addProperty("Content-Type", contentType);
    long start = System.nanoTime();
    server
        .predict("m", input)
        .whenComplete(
            (Output out, Throwable failure) -> {
              long took = System.nanoTime() - start;
              if (measuring.get()) {
                if (failure != null || out.getCode() >= 300) {
                  errors.incrementAndGet();
                } else {
                  int i = count.getAndIncrement();
                  if (i < MAX_SAMPLES) {
                    samples[i] = took;
                  }
                }
              }
              send();
            });
  }

  private void report(int clients, long elapsedNanos) {
    int n = Math.min(count.get(), MAX_SAMPLES);
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    double rps = count.get() / (elapsedNanos / 1e9);
    System.out.printf(
        Locale.ROOT,
        "inprocess connections=%d requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d%n",
        clients,
        count.get(),
        rps,
        percentile(sorted, 0.50) / 1e6,
        percentile(sorted, 0.99) / 1e6,
        errors.get());
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }
}
