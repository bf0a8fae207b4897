package io.servingkit.benchmarks;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.ModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process baseline of {@code benchmarks/load/run.sh}: the same model folder and request body as the HTTP
 * load, sent straight to {@link ModelServer#predict} by {@code C} client threads, each waiting for its answer before
 * it sends the next request (closed loop, like a wrk connection), then prints one line:
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
  private volatile boolean running = true;
  private volatile boolean measuring;
  private final AtomicLong errors = new AtomicLong();
  private final long[] samples = new long[MAX_SAMPLES];
  private final AtomicInteger count = new AtomicInteger();

  private InProcessLoad(ModelServer server, byte[] body, String contentType) {
    this.server = server;
    this.body = body;
    this.contentType = contentType;
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
    AtomicInteger threadCount = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(clients, r -> new Thread(r, "load-client-" + threadCount.incrementAndGet()));
    try (ModelServer server = ModelServer.builder().model("m=" + modelDir.toUri()).build()) {
      InProcessLoad load = new InProcessLoad(server, body, args[2]);
      for (int i = 0; i < clients; i++) {
        pool.execute(load::client);
      }
      TimeUnit.SECONDS.sleep(warmup);
      load.measuring = true;
      long start = System.nanoTime();
      TimeUnit.SECONDS.sleep(duration);
      load.measuring = false;
      long elapsed = System.nanoTime() - start;
      load.running = false;
      pool.shutdown();
      if (!pool.awaitTermination(120, TimeUnit.SECONDS)) {
        System.err.println("clients did not stop");
      }
      load.report(clients, elapsed);
    }
  }

  private void client() {
    while (running) {
      Input input = new Input();
      input.add("data", body);
      input.addProperty("Content-Type", contentType);
      long start = System.nanoTime();
      boolean ok;
      try {
        Output out = server.predict("m", input).join();
        ok = out.getCode() < 300;
      } catch (RuntimeException e) {
        ok = false;
      }
      long took = System.nanoTime() - start;
      if (measuring) {
        if (!ok) {
          errors.incrementAndGet();
        } else {
          int i = count.getAndIncrement();
          if (i < MAX_SAMPLES) {
            samples[i] = took;
          }
        }
      }
    }
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
