package io.servingkit.examples.war;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example WAR as built by this module ({@code target/servingkit-example.war}), deployed from the WAR file
 * into a real Tomcat 11 and a real Jetty 12 on a free port. This JVM's class path holds the containers and
 * what {@code target/container-lib/} holds (DJL and ONNX Runtime, as a container's {@code lib/} would); every
 * ServingKit class the containers run comes from the WAR.
 */
class ExampleWarIT {

  private static final Path WAR = Path.of(System.getProperty("servingkit.war"));
  private static final Path SAMPLES = Path.of(System.getProperty("servingkit.samples"));
  private static final Path MODELS = Path.of(System.getProperty("servingkit.models"));
  private static final Pattern TOP_CLASS = Pattern.compile("\"className\":\\s*\"([^\"]*)\"");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path work;

  private static HttpResponse<String> send(Container c, String method, String path, String type, byte[] body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port() + path)).timeout(Duration.ofSeconds(60));
    if (type != null) {
      b.header("Content-Type", type);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String topClass(String json) {
    Matcher m = TOP_CLASS.matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return m.group(1);
  }

  /**
   * Every sample image is classified as its digit by both packaged models — ONNX Runtime in Java mode and
   * TorchScript in a Python worker process — through the REST API of the deployed WAR.
   */
  private static void classifiesEverySample(Container c) throws Exception {
    for (String model : List.of("digits", "digits_py")) {
      for (int digit = 0; digit < 10; digit++) {
        byte[] png = Files.readAllBytes(SAMPLES.resolve(digit + ".png"));
        HttpResponse<String> r = send(c, "POST", "/serving/predictions/" + model, "image/png", png);
        assertThat(r.statusCode()).as(model + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(topClass(r.body())).as(model + " on " + digit + ".png").isEqualTo(Integer.toString(digit));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Container.Kind.class)
  void servesTheModelsPackagedInTheWar(Container.Kind kind) throws Exception {
    try (Container c = Container.start(kind, Files.createDirectories(work.resolve("container")))) {
      Container.Deployment d = c.deploy(WAR, "/serving");
      assertThat(d.started()).isTrue();

      HttpResponse<String> ping = send(c, "GET", "/serving/ping", null, null);
      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(ping.body()).contains("\"digits\"").contains("\"digits_py\"").doesNotContain("Unhealthy");

      classifiesEverySample(c);
      // the same image through the other inference routes
      byte[] seven = Files.readAllBytes(SAMPLES.resolve("7.png"));
      assertThat(topClass(send(c, "POST", "/serving/invocations?model_name=digits_py", "image/png", seven).body())).isEqualTo("7");
      assertThat(topClass(send(c, "POST", "/serving/models/digits/invoke", "image/png", seven).body())).isEqualTo("7");

      HttpResponse<String> notAnImage = send(c, "POST", "/serving/predictions/digits", "text/plain", "hello".getBytes());
      assertThat(notAnImage.statusCode()).isEqualTo(400);
      assertThat(notAnImage.body()).contains("\"type\": \"TranslateException\"").contains("not an image");

      HttpResponse<String> models = send(c, "GET", "/serving/models", null, null);
      assertThat(models.body()).contains("\"modelName\": \"digits\"").contains("\"status\": \"READY\"");
      HttpResponse<String> describe = send(c, "GET", "/serving/models/digits", null, null);
      assertThat(describe.body()).contains("\"queueSize\": 100").contains("\"maxWorkers\": 2");
      assertThat(send(c, "GET", "/serving/metrics", null, null).body()).contains("servingkit_requests_total");

      // registering a folder from outside the WAR's model store is refused by default (allowed_urls widens it)
      String url = java.net.URLEncoder.encode(MODELS.resolve("mlp-onnx").toUri().toString(), "UTF-8");
      HttpResponse<String> refused = send(c, "POST", "/serving/models?model_name=mlp&url=" + url, null, null);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(refused.body()).contains("must lie inside the model store");

      // the management API changes the running application: scale, then unregister
      assertThat(send(c, "PUT", "/serving/models/digits?min_worker=2&max_worker=2", null, null).statusCode())
          .isEqualTo(200);
      assertThat(send(c, "DELETE", "/serving/models/digits", null, null).statusCode()).isEqualTo(200);
      assertThat(send(c, "POST", "/serving/predictions/digits", "image/png", seven).statusCode()).isEqualTo(404);

      c.undeploy(d);
      assertThat(send(c, "GET", "/serving/ping", null, null).statusCode()).isEqualTo(404);
    }
  }

  /**
   * Deploys, uses and undeploys the WAR three times (a deployment and two redeployments). Every undeploy must
   * stop every ServingKit thread and Python worker process and let the application's class loader go; after
   * the first round has warmed the JVM up, the next two must leave no new thread (Java or native), no second
   * copy of the native engine, and no more resident memory than a JVM's noise (the heap is resident from the
   * start, so what grows is native memory).
   */
  @ParameterizedTest
  @EnumSource(Container.Kind.class)
  void redeployingTwiceLeavesNothingBehind(Container.Kind kind) throws Exception {
    try (Container c = Container.start(kind, Files.createDirectories(work.resolve("container")))) {
      List<Container.Deployment> deployments = new ArrayList<>();
      Snapshot afterFirst = null;
      for (int round = 0; round < 3; round++) {
        Container.Deployment d = c.deploy(WAR, "/serving");
        deployments.add(d);
        assertThat(d.started()).as("round %d started", round).isTrue();
        assertThat(servingThreads()).isNotEmpty();
        assertThat(ProcessHandle.current().children().count()).as("Python workers").isPositive();
        classifiesEverySample(c);
        c.undeploy(d);
        awaitCollected(deployments);
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(servingThreads()).as("ServingKit threads after undeploy").isEmpty();
                  assertThat(ProcessHandle.current().children().count()).as("child processes").isZero();
                });
        Snapshot now = Snapshot.take();
        System.out.printf("%s after round %d: %s%n", kind, round, now);
        if (round == 0) {
          afterFirst = now;
          assertThat(now.nativeEngineCopies()).as("ONNX Runtime libraries mapped").isEqualTo(2);
        } else {
          assertThat(now.nativeEngineCopies()).as("ONNX Runtime libraries mapped").isEqualTo(afterFirst.nativeEngineCopies());
          assertThat(now.javaThreads()).as("Java threads").isSubsetOf(afterFirst.javaThreads());
          assertThat(now.nativeThreads()).as("native threads").isLessThanOrEqualTo(afterFirst.nativeThreads());
          assertThat(now.rssKb() - afterFirst.rssKb()).as("resident memory growth, kB").isLessThan(32 * 1024);
        }
      }
    }
  }

  /** A missing model fails the deployment cleanly: the container reports it and nothing keeps running. */
  @Test
  void aBrokenConfigurationFailsTheDeploymentAndLeavesNothingRunning() throws Exception {
    Path broken = work.resolve("broken");
    copyTree(WAR, broken);
    Files.writeString(broken.resolve("WEB-INF/config.properties"), "job_queue_size=none\n");
    try (Container c = Container.start(Container.Kind.TOMCAT, Files.createDirectories(work.resolve("container")))) {
      Container.Deployment d = c.deploy(broken, "/broken");
      assertThat(d.started()).isFalse();
      assertThat(send(c, "GET", "/broken/ping", null, null).statusCode()).isEqualTo(404);
      assertThat(servingThreads()).isEmpty();
      assertThat(ProcessHandle.current().children().count()).isZero();
      c.undeploy(d);
      awaitCollected(List.of(d));
    }
  }

  private static void awaitCollected(List<Container.Deployment> deployments) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              System.gc();
              assertThat(deployments.stream().filter(x -> x.classLoader().get() != null).map(Container.Deployment::name))
                  .as("class loaders of undeployed applications still reachable")
                  .isEmpty();
            });
  }

  private static List<String> servingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-"))
        .toList();
  }

  /** Unpacks a WAR (a zip file) into a folder, which containers deploy as an expanded application. */
  private static void copyTree(Path war, Path target) throws IOException {
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(war.toFile())) {
      for (java.util.zip.ZipEntry e : java.util.Collections.list(zip.entries())) {
        Path out = target.resolve(e.getName()).normalize();
        if (!out.startsWith(target)) {
          throw new IOException("entry outside the target: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          try (var in = zip.getInputStream(e)) {
            Files.copy(in, out);
          }
        }
      }
    }
  }

  /** What this JVM holds at one moment. */
  record Snapshot(Set<String> javaThreads, int nativeThreads, long rssKb, long nativeEngineCopies) {
    static Snapshot take() throws IOException {
      Set<String> threads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(Thread::isAlive)
              .map(Thread::getName)
              .filter(n -> !n.startsWith("HttpClient-")) // the test's own client, idle-timed
              .map(n -> n.replaceAll("\\d+$", "#")) // pool threads are numbered as they come and go
              .collect(Collectors.toCollection(TreeSet::new));
      long rss = 0;
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.substring(6).replace("kB", "").strip());
        }
      }
      long copies;
      try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
        copies = maps.filter(l -> l.contains("onnxruntime")).map(l -> l.substring(l.indexOf('/'))).distinct().count();
      }
      // every thread of the process, Java or not (an engine's own thread pools), by its kernel name
      int nativeThreads = 0;
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path t : tasks.toList()) {
          try {
            if (!Files.readString(t.resolve("comm")).startsWith("HttpClient-")) {
              nativeThreads++;
            }
          } catch (IOException e) {
            // the thread ended meanwhile
          }
        }
      }
      return new Snapshot(threads, nativeThreads, rss, copies);
    }
  }
}
