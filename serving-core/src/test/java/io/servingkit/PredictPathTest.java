package io.servingkit;

import static io.servingkit.ScriptedModeProvider.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import com.google.gson.JsonParser;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ApiResponse;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one prediction path ({@link ModelServer#predict} and {@link ModelServer#predictAndWait} waiting on it): a
 * quick model's job runs on the calling thread when a worker is idle, a slow model's on a server thread, with the
 * same answers, failures, metrics and worker replacement either way, and a worker never runs two batches at once
 * however callers and server threads race for it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PredictPathTest {
  @TempDir Path tmp;
  private final ScriptedModeProvider mode = new ScriptedModeProvider();
  private final FakeTicker ticker = new FakeTicker();
  private ModelServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    ThreadLeaks.assertNoneLeft();
  }

  private Path folder(String props) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "m");
    Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\nscripted=true\n" + props);
    return dir;
  }

  private ModelServer.Builder builder() {
    return ModelServer.builder().addModeProvider(mode).workDir(tmp.resolve("work"));
  }

  /** A builder whose clock moves only when a script says so: batches take no time unless they advance it. */
  private ModelServer.Builder fakeClockBuilder() {
    return builder().ticker(ticker);
  }

  /** Echoes each input, naming the thread that ran it. */
  private static List<Output> echoWithThread(int workerId, List<Input> batch) {
    List<Output> outputs = ScriptedModeProvider.echo(workerId, batch);
    outputs.forEach(o -> o.addProperty("thread", Thread.currentThread().getName()));
    return outputs;
  }

  /** Echoes with the thread name; the input "hold" signals {@code holding} and waits for {@code release}. */
  private static ScriptedModeProvider.Script holdOn(CountDownLatch holding, CountDownLatch release) {
    return (id, batch) -> {
      if (batch.get(0).getData().getAsString().equals("hold")) {
        holding.countDown();
        release.await(30, TimeUnit.SECONDS);
      }
      return echoWithThread(id, batch);
    };
  }

  @Test
  void aQuickModelRunsOnTheCallerOnceABatchShowedItQuickAndASlowOneOnAServerThread() throws Exception {
    AtomicInteger slowNanos = new AtomicInteger();
    mode.script =
        (id, batch) -> {
          ticker.advance(slowNanos.get(), TimeUnit.NANOSECONDS);
          return echoWithThread(id, batch);
        };
    server = fakeClockBuilder().model("echo=file:" + folder("")).build();
    String me = Thread.currentThread().getName();

    // nothing known about the model yet: a server thread runs it
    Output first = server.predict("echo", input("first")).get(10, TimeUnit.SECONDS);
    assertThat(first.getProperty("thread", null)).startsWith("servingkit-");
    awaitIdle("echo");
    // its batch took no time: the caller runs the next ones, with predict and with predictAndWait
    CompletableFuture<Output> quick = server.predict("echo", input("quick"));
    assertThat(quick).isDone();
    assertThat(quick.join().getProperty("thread", null)).isEqualTo(me);
    assertThat(server.predictAndWait("echo", input("wait")).getProperty("thread", null)).isEqualTo(me);

    // batches that take 5 ms: after a few the moving average is over 1 ms and jobs go to server threads
    slowNanos.set(5_000_000);
    for (int i = 0; i < 4; i++) {
      server.predictAndWait("echo", input("slow" + i));
    }
    awaitIdle("echo");
    Output handed = server.predictAndWait("echo", input("handed"));
    assertThat(handed.getProperty("thread", null)).startsWith("servingkit-");
    assertThat(server.predict("echo", input("async")).get(10, TimeUnit.SECONDS).getProperty("thread", null))
        .startsWith("servingkit-");
    assertThat(server.scrapeMetrics())
        .contains("servingkit_requests_total{model=\"echo\",outcome=\"success\",version=\"\"} 9.0");
  }

  /** Waits until every worker of the model is idle (the thread that answered may still be putting it back). */
  private void awaitIdle(String model) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                server.describe(model, null).get(0).workerGroups().get(0).workers().stream()
                    .allMatch(w -> w.status().equals("READY")));
  }

  @Test
  void aBatchingModelGathersItsBatchOnAServerThread() throws Exception {
    mode.script = PredictPathTest::echoWithThread;
    server = fakeClockBuilder().model("batched=file:" + folder("batch_size=2\nmax_batch_delay=1")).build();
    CompletableFuture<Output> a = server.predict("batched", input("a"));
    CompletableFuture<Output> b = server.predict("batched", input("b"));
    assertThat(a.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("a");
    assertThat(b.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("b");
    assertThat(new ArrayList<>(mode.batches)).containsExactly(List.of("a", "b"));
  }

  @Test
  void aBusyWorkerMakesTheCallerQueueItsJob() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdOn(holding, release);
    server = fakeClockBuilder().model("one=file:" + folder("minWorkers=1\nmaxWorkers=1")).build();
    server.predictAndWait("one", input("warm")); // the model is now known to be quick
    awaitIdle("one");
    CompletableFuture<Output> held = CompletableFuture.supplyAsync(() -> server.predictAndWait("one", input("hold")));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<Output>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(server.predict("one", input("q" + i))); // returns at once: the only worker is busy
    }
    assertThat(server.describe("one", null).get(0).requestInQueue()).isEqualTo(3);
    assertThat(queued).noneMatch(CompletableFuture::isDone);
    release.countDown();
    assertThat(held.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("hold");
    for (int i = 0; i < 3; i++) {
      assertThat(queued.get(i).get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("q" + i);
    }
    assertThat(mode.batches.stream().map(b -> b.get(0)).toList()).containsExactly("warm", "hold", "q0", "q1", "q2");
  }

  @Test
  void failuresAreThrownAsThePredictFutureWouldCarryThem() throws Exception {
    mode.script =
        (id, batch) -> {
          throw new BadInputException("bad: " + batch.get(0).getData().getAsString());
        };
    server = builder().model("bad=file:" + folder("")).build();
    assertThatThrownBy(() -> server.predictAndWait("bad", input("x")))
        .isInstanceOf(BadInputException.class)
        .hasMessage("bad: x");
    assertThatThrownBy(() -> server.predictAndWait("missing", input("x"))).isInstanceOf(ModelNotFoundException.class);
    // the worker is still there and serves the next job
    mode.script = ScriptedModeProvider::echo;
    assertThat(server.predictAndWait("bad", input("ok")).getData().getAsString()).isEqualTo("ok");
    assertThat(mode.workersCreated).hasValue(1);
  }

  @Test
  void aWorkerThatBreaksUnderACallerIsReplacedAndTheJobRunsAgain() throws Exception {
    mode.script =
        (id, batch) -> {
          if (id == 1) {
            throw new IllegalStateException("native crash in worker 1");
          }
          return echoWithThread(id, batch);
        };
    server = fakeClockBuilder().model("flaky=file:" + folder("minWorkers=1\nmaxWorkers=1")).build();
    Output output = server.predictAndWait("flaky", input("again"));
    assertThat(output.getData().getAsString()).isEqualTo("again");
    assertThat(output.getProperty("worker", null)).isEqualTo("2");
    assertThat(mode.workersCreated).hasValue(2);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (mode.workersClosed.get() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(mode.workersClosed).hasValue(1);
    assertThat(server.describe("flaky", null).get(0).workerGroups().get(0).workers()).hasSize(1);
  }

  @Test
  void closeWaitsForTheJobACallerIsRunningThenClosesTheWorker() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean answeredBeforeClose = new AtomicBoolean();
    mode.script =
        (id, batch) -> {
          if (batch.get(0).getData().getAsString().equals("s")) {
            running.countDown();
            release.await(30, TimeUnit.SECONDS);
            answeredBeforeClose.set(mode.workersClosed.get() == 0);
          }
          return echoWithThread(id, batch);
        };
    server = fakeClockBuilder().model("slow=file:" + folder("")).build();
    server.predictAndWait("slow", input("warm"));
    awaitIdle("slow");
    CompletableFuture<Output> caller = CompletableFuture.supplyAsync(() -> server.predictAndWait("slow", input("s")));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> server.list().isEmpty()); // close has begun
    assertThat(closing).isNotDone(); // and waits for the running job
    release.countDown();
    closing.get(30, TimeUnit.SECONDS);
    assertThat(caller.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("s");
    assertThat(answeredBeforeClose).isTrue();
    assertThat(mode.workersClosed).hasValue(1);
  }

  @Test
  void manyThreadsNeverRunOneWorkerTwiceAtOnce() throws Exception {
    Map<Integer, AtomicBoolean> inUse = new ConcurrentHashMap<>();
    List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger onCaller = new AtomicInteger();
    mode.script =
        (id, batch) -> {
          AtomicBoolean flag = inUse.computeIfAbsent(id, k -> new AtomicBoolean());
          if (!flag.compareAndSet(false, true)) {
            overlaps.add("worker " + id);
          }
          try {
            if (!Thread.currentThread().getName().startsWith("servingkit-")) {
              onCaller.incrementAndGet();
            }
            long end = System.nanoTime() + 200_000;
            while (System.nanoTime() < end) {
              Thread.onSpinWait();
            }
            return ScriptedModeProvider.echo(id, batch);
          } finally {
            flag.set(false);
          }
        };
    server = builder().model("m=file:" + folder("minWorkers=2\nmaxWorkers=3\njob_queue_size=10000")).build();
    // idle server: this one runs on the test thread; under the load below it depends on timing
    assertThat(server.predictAndWait("m", input("first")).getData().getAsString()).isEqualTo("first");
    int threads = 16;
    int perThread = 250;
    List<String> wrong = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int client = t;
      Thread c =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    String text = client + "-" + i;
                    Output out =
                        i % 2 == 0
                            ? server.predict("m", input(text)).get(60, TimeUnit.SECONDS)
                            : server.predictAndWait("m", input(text));
                    if (!out.getData().getAsString().equals(text)) {
                      wrong.add(text + " -> " + out.getData().getAsString());
                    }
                  }
                } catch (Exception e) {
                  wrong.add(e.toString());
                }
              },
              "client-" + t);
      c.start();
      clients.add(c);
    }
    start.countDown();
    for (Thread c : clients) {
      c.join(TimeUnit.MINUTES.toMillis(2));
      assertThat(c.isAlive()).as("client finished in bounded time").isFalse();
    }
    assertThat(wrong).isEmpty();
    assertThat(overlaps).isEmpty();
    assertThat(onCaller.get()).isPositive();
    assertThat(server.scrapeMetrics())
        .contains("servingkit_requests_total{model=\"m\",outcome=\"success\",version=\"\"} " + (threads * perThread + 1) + ".0");
    assertThat(server.describe("m", null).get(0).requestInQueue()).isZero();
    server.close();
    assertThat(mode.workersClosed.get()).isEqualTo(mode.workersCreated.get());
  }

  @Test
  void theRealDigitsModelAnswersTheSameOnTheCallerAsThroughTheQueue() throws Exception {
    Path dir = TestModels.copy("digits-pt", tmp, "digits");
    server = ModelServer.builder().workDir(tmp.resolve("work")).model("digits=file:" + dir).build();
    for (int d = 0; d < 10; d++) {
      Input image = new Input();
      image.add(DigitImages.png(d));
      String direct = server.predictAndWait("digits", image).getData().getAsString();
      Input again = new Input();
      again.add(DigitImages.png(d));
      String queued = server.predict("digits", again).get(30, TimeUnit.SECONDS).getData().getAsString();
      assertThat(direct).isEqualTo(queued);
      assertThat(JsonParser.parseString(direct).getAsJsonArray().get(0).getAsJsonObject().get("className").getAsString())
          .isEqualTo(Integer.toString(d));
    }
  }
}
