package io.servingkit.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A closed-loop load like a wrk connection: {@code C} client threads, each sending its next request only after the
 * previous one was answered, for a warm-up and then a measured period; the latency of every answered request in the
 * measured period is kept and reported as throughput, p50 and p99.
 */
final class ClosedLoop {

  /** One client's request: returns true when the answer was a success. */
  interface Call {
    boolean call() throws Exception;
  }

  /** The outcome of one measured period. */
  record Result(int clients, long requests, double rps, double p50Ms, double p99Ms, long errors) {
    String line(String label) {
      return String.format(
          Locale.ROOT,
          "%s connections=%d requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d",
          label,
          clients,
          requests,
          rps,
          p50Ms,
          p99Ms,
          errors);
    }
  }

  private static final int MAX_SAMPLES = 4_000_000;

  private ClosedLoop() {}

  /**
   * Runs {@code clients} threads; {@code callFor.apply(i)} makes client {@code i}'s call once, on its own thread
   * (so per-thread state such as a DJL {@code Predictor} can be created there).
   */
  static Result run(int clients, long warmupSeconds, long durationSeconds, IntFunction<Call> callFor)
      throws InterruptedException {
    long[] samples = new long[MAX_SAMPLES];
    AtomicInteger count = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    State state = new State();
    AtomicInteger threadCount = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(clients, r -> new Thread(r, "load-client-" + threadCount.incrementAndGet()));
    try {
      for (int i = 0; i < clients; i++) {
        int client = i;
        pool.execute(() -> client(callFor.apply(client), state, samples, count, errors));
      }
      TimeUnit.SECONDS.sleep(warmupSeconds);
      state.measuring = true;
      long start = System.nanoTime();
      TimeUnit.SECONDS.sleep(durationSeconds);
      state.measuring = false;
      long elapsed = System.nanoTime() - start;
      state.running = false;
      pool.shutdown();
      if (!pool.awaitTermination(120, TimeUnit.SECONDS)) {
        System.err.println("clients did not stop");
      }
      int n = Math.min(count.get(), samples.length);
      long[] sorted = Arrays.copyOf(samples, n);
      Arrays.sort(sorted);
      return new Result(
          clients,
          count.get(),
          count.get() / (elapsed / 1e9),
          percentile(sorted, 0.50) / 1e6,
          percentile(sorted, 0.99) / 1e6,
          errors.get());
    } finally {
      pool.shutdownNow();
    }
  }

  private static void client(Call call, State state, long[] samples, AtomicInteger count, AtomicLong errors) {
    while (state.running) {
      long start = System.nanoTime();
      boolean ok;
      try {
        ok = call.call();
      } catch (Exception e) {
        ok = false;
      }
      long took = System.nanoTime() - start;
      if (state.measuring) {
        if (ok) {
          int i = count.getAndIncrement();
          if (i < samples.length) {
            samples[i] = took;
          }
        } else {
          errors.incrementAndGet();
        }
      }
    }
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static final class State {
    volatile boolean running = true;
    volatile boolean measuring;
  }
}
