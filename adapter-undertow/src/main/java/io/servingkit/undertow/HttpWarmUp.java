package io.servingkit.undertow;

import ai.djl.modality.Input;
import io.servingkit.spi.DaemonThreads;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server's warm-up of its whole HTTP path, run after the startup models are loaded (and warmed
 * through their workers) and before the replica reports ready: the models' {@code warmup_inputs} are sent as
 * predictions over loopback HTTP, with a health probe or metrics scrape among them every {@value #PROBE_EVERY}
 * requests, from {@link #connectionsFor several} keep-alive connections that are closed and reopened every
 * {@value #REQUESTS_PER_CONNECTION} requests (so that connection set-up and close are compiled too); every other
 * request carries a {@code User-Agent}, as real clients do or do not. It stops once
 * the JIT compiler has been busy for at most {@value #QUIET_PERCENT} % of each of {@value #QUIET_ROUNDS} rounds of
 * {@value #ROUND_MILLIS} ms in a row (the path is compiled), when a prediction is not answered 200, when the server
 * stops starting, or after {@code bound}.
 *
 * <p>Threading: {@link #run} is called by one thread; it owns an executor of one thread per connection, shut down
 * before it returns.
 */
final class HttpWarmUp {

  private static final Logger LOG = LoggerFactory.getLogger(HttpWarmUp.class);
  static final int PROBE_EVERY = 25;
  static final int REQUESTS_PER_CONNECTION = 2_000;
  static final int ROUND_MILLIS = 500;
  static final int QUIET_ROUNDS = 4;
  static final int QUIET_PERCENT = 10;
  private static final List<String> PROBES = List.of("/v2/health/ready", "/metrics", "/v2/health/live");

  /** One prediction to send: the model's path and a sample input. */
  record Prediction(String path, Input input) {}

  /** What a warm-up did: predictions answered 200, how long it took, why it stopped, whether it failed. */
  record Result(long predictions, Duration took, String stoppedBecause, boolean failed) {}

  private final InetSocketAddress target;
  private final String host;
  private final String authorization;
  private final List<byte[]> predictions;
  private final int connections;

  /**
   * @param listener the listener to send to ({@code http://host:port})
   * @param predictions what to send, in turn
   * @param authorization the {@code Authorization} header's value, or null for none
   * @param connections how many connections send at once
   */
  HttpWarmUp(URI listener, List<Prediction> predictions, String authorization, int connections) {
    try {
      // a listener's address is a literal IP (Listeners writes it so): nothing is looked up
      this.target = new InetSocketAddress(InetAddress.getByName(listener.getHost()), listener.getPort());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not a listener address: " + listener, e);
    }
    this.host = listener.getAuthority();
    this.authorization = authorization;
    // each sample twice: with a User-Agent and without (wrk, HAProxy's checks and many balancers send none), so
    // that the access log's both ways are compiled; a way first taken under real load deoptimised it
    this.predictions =
        predictions.stream().flatMap(p -> Stream.of(request(p, true), request(p, false))).toList();
    this.connections = connections;
  }

  /**
   * Connections for a machine: eight per core, at least sixteen, so that the contended paths of a loaded server
   * (queue locks, parked workers) are compiled too.
   */
  static int connectionsFor(int cores) {
    return Math.max(16, 8 * cores);
  }

  /**
   * Sends predictions until the JIT compiler goes quiet (where the JVM cannot tell, until {@code bound}), a
   * prediction fails, {@code bound} passes or {@code starting} turns false; then lets each connection finish its
   * request, closing those still waiting after 5 s.
   */
  Result run(Duration bound, BooleanSupplier starting) throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<String> failure = new AtomicReference<>();
    ExecutorService clients = Executors.newFixedThreadPool(connections, new DaemonThreads("servingkit-warmup-"));
    long start = System.nanoTime();
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    boolean measurable = compiler != null && compiler.isCompilationTimeMonitoringSupported();
    Set<Socket> open = ConcurrentHashMap.newKeySet();
    String why;
    boolean failed = false;
    try {
      for (int c = 0; c < connections; c++) {
        int first = c;
        clients.execute(() -> send(first, open, done, stop, failure));
      }
      long compiledBefore = measurable ? compiler.getTotalCompilationTime() : 0;
      long last = 0;
      int quiet = 0;
      while (true) {
        Thread.sleep(ROUND_MILLIS);
        long compiled = measurable ? compiler.getTotalCompilationTime() : 0;
        long now = done.get();
        LOG.debug("Warm-up round: {} predictions, JIT compiler busy {} ms", now - last, compiled - compiledBefore);
        boolean busy = !measurable || (compiled - compiledBefore) * 100 > (long) ROUND_MILLIS * QUIET_PERCENT;
        quiet = busy ? 0 : quiet + 1;
        compiledBefore = compiled;
        last = now;
        if (failure.get() != null) {
          why = failure.get();
          failed = true;
          break;
        }
        if (quiet >= QUIET_ROUNDS) {
          why = "the JIT compiler went quiet";
          break;
        }
        if (System.nanoTime() - start >= bound.toNanos()) {
          why = "http_warmup_timeout " + bound.toSeconds() + " s reached";
          break;
        }
        if (!starting.getAsBoolean()) {
          why = "the server is shutting down";
          break;
        }
      }
    } finally {
      stop.set(true);
      clients.shutdown();
      if (!clients.awaitTermination(5, TimeUnit.SECONDS)) {
        open.forEach(HttpWarmUp::closeQuietly); // a client still waiting on a slow prediction stops now
        clients.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return new Result(done.get(), Duration.ofNanos(System.nanoTime() - start), why, failed);
  }

  /** One connection's loop: reconnects every REQUESTS_PER_CONNECTION requests until stopped or failed. */
  private void send(
      int first, Set<Socket> open, AtomicLong done, AtomicBoolean stop, AtomicReference<String> failure) {
    int n = first;
    byte[] buffer = new byte[8192];
    while (!stop.get()) {
      try (Socket socket = new Socket()) {
        open.add(socket);
        if (stop.get()) {
          return;
        }
        socket.setTcpNoDelay(true);
        socket.connect(target, 5_000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream(), buffer.length);
        for (int i = 0; i < REQUESTS_PER_CONNECTION && !stop.get(); i++, n++) {
          boolean probe = n % PROBE_EVERY == PROBE_EVERY - 1;
          byte[] request = probe ? probe(n / PROBE_EVERY) : predictions.get(n % predictions.size());
          out.write(request);
          out.flush();
          Response response = Response.read(in, buffer);
          if (!probe && response.status != 200) {
            failure.compareAndSet(
                null, "a warm-up prediction was answered " + response.status + ": " + response.start);
            return;
          }
          if (!probe) {
            done.incrementAndGet();
          }
          if (response.close) {
            break;
          }
        }
      } catch (IOException e) {
        if (!stop.get()) {
          failure.compareAndSet(null, "the warm-up connection failed: " + e);
        }
        return;
      } finally {
        open.removeIf(Socket::isClosed);
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing is all that is wanted
    }
  }

  private byte[] probe(int i) {
    return (head("GET", PROBES.get(i % PROBES.size()), i % 2 == 0) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  private byte[] request(Prediction p, boolean userAgent) {
    byte[] body = p.input().getData().getAsBytes();
    String type = p.input().getProperty("content-type", "application/octet-stream");
    byte[] head =
        (head("POST", p.path(), userAgent) + "Content-Type: " + type + "\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[head.length + body.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(body, 0, request, head.length, body.length);
    return request;
  }

  /** The request line and the headers every request has (with or without a User-Agent), each line ended. */
  private String head(String method, String path, boolean userAgent) {
    return method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (userAgent ? "User-Agent: servingkit-warmup\r\n" : "")
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n");
  }

  /** An HTTP/1.1 response read off the connection: status, whether the server closes, the body's first bytes. */
  private record Response(int status, boolean close, String start) {
    private static final int KEPT = 200;

    /** Reads one response; of its body only the first {@value #KEPT} bytes are kept, for a failure's message. */
    static Response read(InputStream in, byte[] buffer) throws IOException {
      String statusLine = line(in);
      if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
        throw new IOException("not an HTTP response: " + statusLine);
      }
      int status = Integer.parseInt(statusLine.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        String lower = header.toLowerCase(Locale.ROOT);
        if (lower.startsWith("content-length:")) {
          length = Long.parseLong(lower.substring(15).strip());
        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
          chunked = true;
        } else if (lower.startsWith("connection:") && lower.contains("close")) {
          close = true;
        }
      }
      ByteArrayOutputStream start = new ByteArrayOutputStream(KEPT);
      if (chunked) {
        long size;
        while ((size = Long.parseLong(line(in).split(";")[0].strip(), 16)) > 0) {
          skip(in, size, buffer, start);
          line(in);
        }
        line(in);
      } else if (length >= 0) {
        skip(in, length, buffer, start);
      } else {
        throw new IOException("a response without Content-Length or chunks");
      }
      return new Response(status, close, start.toString(StandardCharsets.UTF_8));
    }

    /** One line, without its CR LF. */
    private static String line(InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) != '\n') {
        if (c < 0) {
          throw new IOException("the server closed the connection");
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }

    /** Reads {@code n} body bytes, keeping those that fit in {@code start}'s first {@value #KEPT}. */
    private static void skip(InputStream in, long n, byte[] buffer, ByteArrayOutputStream start) throws IOException {
      while (n > 0) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, n));
        if (read < 0) {
          throw new IOException("the server closed the connection mid-body");
        }
        start.write(buffer, 0, Math.min(read, KEPT - start.size()));
        n -= read;
      }
    }
  }
}
