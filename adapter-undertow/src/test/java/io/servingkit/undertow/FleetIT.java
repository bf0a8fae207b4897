package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on loopback: three replicas of the packaged launcher ({@code target/servingkit/bin/servingkit}) on the
 * README's digits model behind a real HAProxy ({@code /usr/sbin/haproxy}) that health-checks
 * {@code /v2/health/ready}, under a steady load from {@code java.net.http} client threads that check every
 * answer. HAProxy has two frontends on the same three replicas: {@code plain} (only failed connections are
 * retried, on another replica) and {@code retried} (also replays requests a replica took and never answered, or
 * answered 503: safe because a prediction has no side effects).
 *
 * <ol>
 *   <li>Rolling restart: SIGTERM one replica at a time ({@code drain_delay} 3 s), scrape its {@code /metrics}
 *       once HAProxy has taken it out and nothing is in flight on it, wait for its exit, start its successor on
 *       the same port, wait until HAProxy sees it ready. No request may fail on either frontend.
 *   <li>{@code kill -9} of one replica: the {@code retried} frontend loses nothing; the {@code plain} frontend
 *       loses at most the requests that were in flight on the killed replica (at most one per client thread,
 *       and exactly HAProxy's count of responses the replica aborted).
 *   <li>Every replica's {@code servingkit_request_time_seconds_count} equals HAProxy's count of 2xx answers from
 *       it, and the scrapes (all replicas but the killed one, whose count comes from HAProxy) add up to the
 *       client's 2xx count.
 * </ol>
 *
 * Prints a report (also written to {@code target/fleet-report.md}) with the counts and CPU per request of each
 * replica (from {@code /proc/<pid>/stat}). Run by failsafe in {@code mvn verify}; needs {@code haproxy}
 * ({@code .ci/run} installs it).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class FleetIT {

  private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
  private static final int THREADS_PER_FRONTEND = 6;
  private static final Duration DRAIN_DELAY = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final List<String> BACKENDS = List.of("plain", "retried");
  /** Clock ticks per second of {@code /proc/<pid>/stat} (USER_HZ, 100 on Linux). */
  private static final double TICKS = 100;

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Path repo = ServingKitCliTest.repoRoot();
  private final StringBuilder report = new StringBuilder();
  private final long testStart = System.nanoTime();

  /** One replica process: where it listens, which slot it fills, what it used and served. */
  private final class Replica {
    final String slot;
    final int port;
    final int generation;
    final ServerProcess process;
    final long pid;
    long cpuTicksAtReady;

    Replica(String slot, int port, int generation) throws IOException {
      this.slot = slot;
      this.port = port;
      this.generation = generation;
      Path config = dir.resolve(slot + "-" + generation + ".properties");
      Files.writeString(config, "inference_address=http://127.0.0.1:" + port + "\n");
      Map<String, String> env = new LinkedHashMap<>();
      env.put("SERVING_DRAIN_DELAY", DRAIN_DELAY.toSeconds() + "s");
      env.put("SERVING_WORK_DIR", dir.resolve("work-" + slot + "-" + generation).toString());
      env.put("SERVING_OPTS", "-Xmx384m");
      this.process =
          ServerProcess.launcher(
              launcher(), repo, dir, env, "-f", config.toString(), "-m", "digits=file:examples/models/digits-onnx");
      this.pid = process.pid();
    }

    String name() {
      return slot + "#" + generation;
    }

    long cpuTicks() throws IOException {
      // /proc/<pid>/stat: "pid (comm) state ..." fields 14 and 15 (utime, stime) count from 1
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** {@code servingkit_request_time_seconds_count} of the digits model, scraped from this replica. */
    long scrapeAnswered() throws Exception {
      HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + port + "/metrics"));
      assertThat(r.statusCode()).as(name() + " /metrics").isEqualTo(200);
      return r.body().lines()
          .filter(l -> l.startsWith("servingkit_request_time_seconds_count{") && l.contains("model=\"digits\""))
          .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .sum();
    }
  }

  /** What one finished replica did: requests answered by its own count and by HAProxy's, CPU used while ready. */
  private record Served(String replica, String end, Long scraped, long haproxy2xx, double cpuSeconds) {}

  @Test
  void rollingRestartLosesNothingKillLosesAtMostInFlightMetricsAddUp() throws Exception {
    assertThat(HAPROXY).as("haproxy is installed (apt-get install haproxy; .ci/run does)").isExecutable();
    int[] ports = freePorts(6);
    List<String> slots = List.of("r1", "r2", "r3");
    Map<String, Replica> replicas = new LinkedHashMap<>();
    List<Served> served = new ArrayList<>();
    Map<String, Long> countedSoFar = new LinkedHashMap<>();
    Process haproxy = null;
    Load load = null;
    try {
      for (int i = 0; i < slots.size(); i++) {
        replicas.put(slots.get(i), new Replica(slots.get(i), ports[i], 1));
        countedSoFar.put(slots.get(i), 0L);
      }
      HaProxy lb = new HaProxy(ports[3], ports[4], ports[5], slots, ports);
      haproxy = lb.start();
      for (Replica r : replicas.values()) {
        awaitUntil("HAProxy sees " + r.name() + " up", () -> lb.upEverywhere(r.slot), r);
        r.cpuTicksAtReady = r.cpuTicks();
      }

      Load running = new Load(List.of(lb.frontend("plain"), lb.frontend("retried")));
      load = running;
      running.start();
      awaitUntil("load running", () -> running.ok() > 200, null);

      // (a) rolling restart
      long plainFailedBefore = load.failed("plain");
      long rollingStart = System.nanoTime();
      for (String slot : slots) {
        Replica old = replicas.get(slot);
        old.process.terminate();
        awaitUntil("HAProxy takes " + old.name() + " out", () -> lb.downEverywhere(slot), old);
        awaitUntil("nothing in flight on " + old.name(), () -> lb.sessions(slot) == 0, old);
        long scraped = old.scrapeAnswered();
        long counted = lb.total(slot, "hrsp_2xx") - countedSoFar.get(slot);
        countedSoFar.merge(slot, counted, Long::sum);
        served.add(new Served(old.name(), "SIGTERM", scraped, counted, (old.cpuTicks() - old.cpuTicksAtReady) / TICKS));
        assertThat(old.process.awaitExit(WAIT)).as(old.name() + " exit code").isEqualTo(143);
        Replica next = new Replica(slot, old.port, old.generation + 1);
        replicas.put(slot, next);
        awaitUntil("HAProxy sees " + next.name() + " up", () -> lb.upEverywhere(slot), next);
        next.cpuTicksAtReady = next.cpuTicks();
      }
      double rollingSeconds = (System.nanoTime() - rollingStart) / 1e9;
      long plainFailedInRolling = load.failed("plain") - plainFailedBefore;
      long retriedFailedInRolling = load.failed("retried");
      Map<String, Long> retriesInRolling = lb.backendCounters("wretr");

      // (b) kill -9
      Replica victim = replicas.get("r2");
      long plainFailedBeforeKill = load.failed("plain");
      Map<String, Long> erespBefore = lb.serverCounters("r2", "eresp");
      Map<String, Long> abortsBefore = lb.serverCounters("r2", "srv_abrt");
      Map<String, Long> retriesBefore = lb.backendCounters("wretr");
      Map<String, Long> redispatchBefore = lb.backendCounters("wredis");
      Map<String, Long> inFlightAtKill = lb.serverCounters("r2", "scur");
      victim.process.kill();
      assertThat(victim.process.awaitExit(WAIT)).as("killed with SIGKILL").isEqualTo(137);
      awaitUntil("HAProxy takes killed " + victim.name() + " out", () -> lb.downEverywhere("r2"), null);
      awaitUntil("nothing in flight on killed " + victim.name(), () -> lb.sessions("r2") == 0, null);
      long victimCounted = lb.total("r2", "hrsp_2xx") - countedSoFar.get("r2");
      countedSoFar.merge("r2", victimCounted, Long::sum);
      served.add(new Served(victim.name(), "SIGKILL", null, victimCounted, Double.NaN));
      Map<String, Long> responseErrors = diff(lb.serverCounters("r2", "eresp"), erespBefore);
      Map<String, Long> aborted = diff(lb.serverCounters("r2", "srv_abrt"), abortsBefore);
      Map<String, Long> retried = diff(lb.backendCounters("wretr"), retriesBefore);
      Map<String, Long> redispatched = diff(lb.backendCounters("wredis"), redispatchBefore);
      Replica successor = new Replica("r2", victim.port, victim.generation + 1);
      replicas.put("r2", successor);
      awaitUntil("HAProxy sees " + successor.name() + " up", () -> lb.upEverywhere("r2"), successor);
      successor.cpuTicksAtReady = successor.cpuTicks();
      long plainLostToKill = load.failed("plain") - plainFailedBeforeKill;
      awaitUntil("load goes on after the kill", () -> lb.total("r2", "hrsp_2xx") > countedSoFar.get("r2") + 50, null);

      // (c) stop the load; every replica's histogram count against HAProxy's and the client's counts
      load.stop();
      for (String slot : slots) {
        awaitUntil("nothing in flight on " + slot, () -> lb.sessions(slot) == 0, replicas.get(slot));
      }
      for (Replica r : replicas.values()) {
        long counted = lb.total(r.slot, "hrsp_2xx") - countedSoFar.get(r.slot);
        served.add(new Served(r.name(), "end of run", r.scrapeAnswered(), counted, (r.cpuTicks() - r.cpuTicksAtReady) / TICKS));
      }
      long scrapedSum = served.stream().filter(s -> s.scraped() != null).mapToLong(Served::scraped).sum();
      long haproxySum = served.stream().mapToLong(Served::haproxy2xx).sum();

      writeReport(load, served, rollingSeconds, plainFailedInRolling, retriedFailedInRolling, retriesInRolling,
          inFlightAtKill, plainLostToKill, responseErrors, aborted, retried, redispatched, victimCounted, scrapedSum);

      // (a)
      assertThat(plainFailedInRolling).as("requests lost on the plain frontend during the rolling restart: " + load.failures)
          .isZero();
      assertThat(retriedFailedInRolling).as("requests lost on the retried frontend during the rolling restart").isZero();
      // (b)
      assertThat(load.failed("retried")).as("requests lost on the retried frontend, whole run: " + load.failures).isZero();
      // each client thread has at most one request in flight, so at most that many were on the killed replica
      // (HAProxy's own counts, reported above, are approximate: a request it sent on a reused connection to the
      // dead replica before its health check noticed may be closed without a response and counted elsewhere)
      assertThat(plainLostToKill)
          .as("the plain frontend loses at most the requests in flight on the killed replica: " + load.failures)
          .isLessThanOrEqualTo(THREADS_PER_FRONTEND);
      assertThat(load.failed("plain")).as("no plain failure outside the kill").isEqualTo(plainLostToKill);
      assertThat(load.wrong.get()).as("answers with the wrong digit").isZero();
      // (c)
      for (Served s : served) {
        if (s.scraped() != null) {
          assertThat(s.scraped()).as(s.replica() + ": its histogram's count vs HAProxy's 2xx from it").isEqualTo(s.haproxy2xx());
        }
      }
      assertThat(haproxySum).as("HAProxy's 2xx from the replicas vs the client's 2xx").isEqualTo(load.ok());
      assertThat(scrapedSum + victimCounted).as("histograms summed (+ the killed replica's 2xx) vs the client's 2xx")
          .isEqualTo(load.ok());
    } finally {
      if (load != null) {
        load.stop();
      }
      for (Replica r : replicas.values()) {
        r.process.close();
      }
      if (haproxy != null) {
        haproxy.destroy();
        haproxy.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private void writeReport(
      Load load, List<Served> served, double rollingSeconds, long plainFailedInRolling, long retriedFailedInRolling,
      Map<String, Long> retriesInRolling, Map<String, Long> inFlightAtKill, long plainLostToKill, Map<String, Long> responseErrors,
      Map<String, Long> aborted, Map<String, Long> retried, Map<String, Long> redispatched, long victimCounted,
      long scrapedSum) throws IOException {
    line("# Fleet on loopback: 3 replicas behind HAProxy");
    line("");
    line(String.format("%s cores, load average at the end %s, %s", Runtime.getRuntime().availableProcessors(),
        Files.readString(Path.of("/proc/loadavg")).trim(), System.getProperty("java.vm.name") + " " + Runtime.version()));
    line(String.format("test run %.0f s (JVM starts dominate on a loaded machine)", (System.nanoTime() - testStart) / 1e9));
    line(String.format("load: %d client threads per frontend (plain, retried), %.1f s, %d answers 2xx (%.0f req/s), "
        + "%d failed, %d wrong digit", THREADS_PER_FRONTEND, load.seconds(), load.ok(), load.ok() / load.seconds(),
        load.failed("plain") + load.failed("retried"), load.wrong.get()));
    line(String.format("(a) rolling restart of 3 replicas (SIGTERM, drain_delay %d s, successor on the same port) in %.1f s: "
        + "lost plain %d, retried %d; HAProxy retries meanwhile %s", DRAIN_DELAY.toSeconds(), rollingSeconds,
        plainFailedInRolling, retriedFailedInRolling, retriesInRolling));
    line(String.format("(b) kill -9 of r2: HAProxy sessions on it just before %s; lost plain %d (HAProxy counted "
        + "response errors %s, aborted by the server %s), retried %d; HAProxy retries %s, redispatches %s",
        inFlightAtKill, plainLostToKill, responseErrors, aborted, load.failed("retried"), retried, redispatched));
    line(String.format("(c) histograms summed %d + killed replica's 2xx (HAProxy) %d = %d; client 2xx %d", scrapedSum,
        victimCounted, scrapedSum + victimCounted, load.ok()));
    line("");
    line("| replica | ended by | servingkit_request_time_seconds_count | HAProxy 2xx | CPU s while ready | CPU ms per request |");
    line("|---|---|---|---|---|---|");
    for (Served s : served) {
      line(String.format("| %s | %s | %s | %d | %s | %s |", s.replica(), s.end(),
          s.scraped() == null ? "(killed: not scraped)" : s.scraped().toString(), s.haproxy2xx(),
          Double.isNaN(s.cpuSeconds()) ? "-" : String.format("%.2f", s.cpuSeconds()),
          Double.isNaN(s.cpuSeconds()) || s.haproxy2xx() == 0 ? "-" : String.format("%.3f", 1000 * s.cpuSeconds() / s.haproxy2xx())));
    }
    line(String.format("client JVM CPU during the load: %.3f ms per request", 1000 * load.clientCpuSeconds() / load.ok()));
    if (!load.failures.isEmpty()) {
      line("failures: " + load.failures);
    }
    System.out.println(report);
    Files.writeString(Path.of("target", "fleet-report.md"), report);
  }

  private void line(String s) {
    report.append(s).append('\n');
  }

  /** HAProxy in front of the three slots' ports, read through its CSV stats page. */
  private final class HaProxy {
    private final int plainPort;
    private final int retriedPort;
    private final int statsPort;
    private final List<String> slots;
    private final int[] slotPorts;

    HaProxy(int plainPort, int retriedPort, int statsPort, List<String> slots, int[] slotPorts) {
      this.plainPort = plainPort;
      this.retriedPort = retriedPort;
      this.statsPort = statsPort;
      this.slots = slots;
      this.slotPorts = slotPorts;
    }

    URI frontend(String name) {
      return URI.create("http://127.0.0.1:" + (name.equals("plain") ? plainPort : retriedPort) + "/predictions/digits");
    }

    Process start() throws Exception {
      StringBuilder servers = new StringBuilder();
      for (int i = 0; i < slots.size(); i++) {
        servers.append("  server ").append(slots.get(i)).append(" 127.0.0.1:").append(slotPorts[i]).append(" check\n");
      }
      String backend =
          "  balance roundrobin\n"
              + "  option httpchk GET /v2/health/ready\n"
              + "  http-check expect status 200\n"
              + "  default-server inter 200ms fall 1 rise 2\n"
              + "  option redispatch 1\n"
              + "  retries 2\n";
      String config =
          "global\n"
              + "  maxconn 1000\n"
              + "defaults\n"
              + "  mode http\n"
              + "  timeout connect 2s\n"
              + "  timeout client 60s\n"
              + "  timeout server 60s\n"
              + "  timeout check 2s\n"
              + "listen stats\n"
              + "  bind 127.0.0.1:" + statsPort + "\n"
              + "  stats enable\n"
              + "  stats uri /stats\n"
              + "frontend plain\n"
              + "  bind 127.0.0.1:" + plainPort + "\n"
              + "  default_backend plain\n"
              + "frontend retried\n"
              + "  bind 127.0.0.1:" + retriedPort + "\n"
              + "  default_backend retried\n"
              + "backend plain\n"
              + backend
              + servers
              + "backend retried\n"
              + backend
              + "  retry-on conn-failure empty-response response-timeout 503\n"
              + servers;
      Path file = dir.resolve("haproxy.cfg");
      Files.writeString(file, config);
      Process p =
          new ProcessBuilder(HAPROXY.toString(), "-db", "-f", file.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("haproxy.out").toFile())
              .start();
      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> !p.isAlive() || stats().size() > 0);
      assertThat(p.isAlive()).as("haproxy runs:\n" + Files.readString(dir.resolve("haproxy.out"))).isTrue();
      return p;
    }

    /** Rows of {@code show stat}: proxy name, server name, then each column by its header name. */
    List<Map<String, String>> stats() throws Exception {
      HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"));
      List<String> lines = r.body().lines().toList();
      String[] header = lines.get(0).substring(2).split(",", -1);
      List<Map<String, String>> rows = new ArrayList<>();
      for (String l : lines.subList(1, lines.size())) {
        String[] cells = l.split(",", -1);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < header.length && i < cells.length; i++) {
          row.put(header[i], cells[i]);
        }
        rows.add(row);
      }
      return rows;
    }

    private Map<String, String> row(List<Map<String, String>> stats, String backend, String server) {
      return stats.stream()
          .filter(r -> backend.equals(r.get("pxname")) && server.equals(r.get("svname")))
          .findFirst()
          .orElseThrow();
    }

    /** A column of one server, per backend. */
    Map<String, Long> serverCounters(String server, String column) throws Exception {
      List<Map<String, String>> stats = stats();
      Map<String, Long> values = new LinkedHashMap<>();
      for (String b : BACKENDS) {
        values.put(b, Long.parseLong(row(stats, b, server).get(column)));
      }
      return values;
    }

    /** A column of each backend (its servers' sum plus what belongs to no server). */
    Map<String, Long> backendCounters(String column) throws Exception {
      return serverCounters("BACKEND", column);
    }

    long total(String server, String column) throws Exception {
      return serverCounters(server, column).values().stream().mapToLong(Long::longValue).sum();
    }

    long sessions(String server) throws Exception {
      return total(server, "scur");
    }

    boolean upEverywhere(String server) throws Exception {
      List<Map<String, String>> stats = stats();
      return BACKENDS.stream().allMatch(b -> row(stats, b, server).get("status").equals("UP"));
    }

    boolean downEverywhere(String server) throws Exception {
      List<Map<String, String>> stats = stats();
      return BACKENDS.stream().allMatch(b -> row(stats, b, server).get("status").startsWith("DOWN"));
    }
  }

  /** Client threads, each sending one digit image after another to its frontend and checking the answer. */
  private final class Load {
    private final List<URI> frontends;
    private final List<Thread> threads = new ArrayList<>();
    private final Map<String, AtomicLong> failed = new LinkedHashMap<>();
    private final AtomicLong ok = new AtomicLong();
    final AtomicLong wrong = new AtomicLong();
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final byte[][] images = new byte[10][];
    private volatile boolean stopping;
    private long startNanos;
    private long stopNanos;
    private long cpuAtStart;
    private long cpuAtStop;

    Load(List<URI> frontends) throws IOException {
      this.frontends = frontends;
      for (int d = 0; d < 10; d++) {
        images[d] = Files.readAllBytes(repo.resolve("examples/models/digit-images/" + d + ".png"));
      }
      for (String b : BACKENDS) {
        failed.put(b, new AtomicLong());
      }
    }

    void start() {
      startNanos = System.nanoTime();
      cpuAtStart = ownCpuNanos();
      for (int f = 0; f < frontends.size(); f++) {
        for (int t = 0; t < THREADS_PER_FRONTEND; t++) {
          URI uri = frontends.get(f);
          AtomicLong failures = failed.get(BACKENDS.get(f));
          int first = t;
          String name = BACKENDS.get(f);
          Thread thread = new Thread(() -> run(name, uri, failures, first), "fleet-load-" + BACKENDS.get(f) + "-" + t);
          threads.add(thread);
          thread.start();
        }
      }
    }

    private void run(String name, URI uri, AtomicLong failures, int first) {
      for (int i = first; !stopping; i++) {
        int digit = i % 10;
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(uri)
                      .timeout(Duration.ofSeconds(30))
                      .PUT(HttpRequest.BodyPublishers.ofByteArray(images[digit]))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() / 100 == 2) {
            ok.incrementAndGet();
            String answer =
                JsonParser.parseString(r.body()).getAsJsonArray().get(0).getAsJsonObject().get("className").getAsString();
            if (!answer.equals(String.valueOf(digit))) {
              wrong.incrementAndGet();
            }
          } else {
            failures.incrementAndGet();
            this.failures.add(name + ": " + r.statusCode() + " " + r.body());
          }
        } catch (IOException e) {
          failures.incrementAndGet();
          this.failures.add(name + ": " + e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    void stop() throws InterruptedException {
      if (stopping) {
        return;
      }
      stopping = true;
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(40));
        assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
      }
      stopNanos = System.nanoTime();
      cpuAtStop = ownCpuNanos();
    }

    long ok() {
      return ok.get();
    }

    long failed(String frontend) {
      return failed.get(frontend).get();
    }

    double seconds() {
      return (stopNanos - startNanos) / 1e9;
    }

    double clientCpuSeconds() {
      return (cpuAtStop - cpuAtStart) / 1e9;
    }

    private long ownCpuNanos() {
      return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }
  }

  private void awaitUntil(String what, BooleanSupplierWithException condition, Replica replica) {
    BooleanSupplier check =
        () -> {
          try {
            return condition.getAsBoolean();
          } catch (Exception e) {
            return false;
          }
        };
    try {
      Awaitility.await(what).atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(check::getAsBoolean);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String logs = replica == null ? "" : "\n" + replica.name() + ":\n" + replica.process.stdout() + replica.process.stderr();
      throw new AssertionError(what + ": not within " + WAIT + logs, e);
    }
  }

  @FunctionalInterface
  private interface BooleanSupplierWithException {
    boolean getAsBoolean() throws Exception;
  }

  private static Map<String, Long> diff(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> d = new LinkedHashMap<>();
    after.forEach((k, v) -> d.put(k, v - before.get(k)));
    return d;
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  private static Path launcher() {
    Path script = Path.of(System.getProperty("servingkit.launcher", "target/servingkit/bin/servingkit"));
    assertThat(script).as("run mvn package first").isExecutable();
    return script.toAbsolutePath();
  }
}
