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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelServer#predictAndWait}: the calling thread runs the job on an idle worker when nothing is queued and
 * batch_size is 1, with the same answers, failures, metrics and worker replacement as a queued job, and a worker
 * never runs two jobs at once however callers and its own thread race for it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PredictAndWaitTest {
  @TempDir Path tmp;
  private final ScriptedModeProvider mode = new ScriptedModeProvider();
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
  void runsOnTheCallingThreadWhenAWorkerIsIdleAndOnAWorkerThreadOtherwise() throws Exception {
    mode.script = PredictAndWaitTest::echoWithThread;
    server = builder().model("echo=file:" + folder("")).model("batched=file:" + folder("batch_size=2\nmax_batch_delay=1")).build();

    Output direct = server.predictAndWait("echo", input("hi"));
    assertThat(direct.getData().getAsString()).isEqualTo("hi");
    assertThat(direct.getProperty("thread", null)).isEqualTo(Thread.currentThread().getName());

    CompletableFuture<Output> inline = server.predictInline("echo", null, input("now"));
    assertThat(inline).isDone(); // ran before predictInline returned
    assertThat(inline.join().getProperty("thread", null)).isEqualTo(Thread.currentThread().getName());

    Output queued = server.predict("echo", input("there")).get(10, TimeUnit.SECONDS);
    assertThat(queued.getProperty("thread", null)).startsWith("servingkit-echo-worker-");

    // a batching model needs its worker to gather the batch: the job is queued
    Output batched = server.predictAndWait("batched", input("b"));
    assertThat(batched.getData().getAsString()).isEqualTo("b");
    assertThat(batched.getProperty("thread", null)).startsWith("servingkit-batched-worker-");

    assertThat(server.scrapeMetrics())
        .contains("servingkit_requests_total{model=\"echo\",outcome=\"success\",version=\"\"} 3.0");
  }

  @Test
  void aBusyWorkerMakesTheCallerQueueItsJob() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdOn(holding, release);
    server = builder().model("one=file:" + folder("minWorkers=1\nmaxWorkers=1")).build();
    CompletableFuture<Output> held = server.predict("one", input("hold"));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Output> waiting = CompletableFuture.supplyAsync(() -> server.predictAndWait("one", input("next")));
    Thread.sleep(200);
    assertThat(waiting).isNotDone(); // queued behind the held job, not run alongside it
    release.countDown();
    assertThat(held.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("hold");
    Output next = waiting.get(10, TimeUnit.SECONDS);
    assertThat(next.getData().getAsString()).isEqualTo("next");
    assertThat(next.getProperty("thread", null)).startsWith("servingkit-one-worker-");
  }

  @Test
  void jobsThatArriveWhileACallerRunsStayQueuedAndCounted() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdOn(holding, release);
    server = builder().model("one=file:" + folder("minWorkers=1\nmaxWorkers=1")).build();
    CompletableFuture<Output> caller = CompletableFuture.supplyAsync(() -> server.predictAndWait("one", input("hold")));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    List<CompletableFuture<Output>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(server.predict("one", input("q" + i)));
    }
    // the worker's own thread may take a job, find the worker borrowed and give the job back: all 3 stay queued
    for (int i = 0; i < 20; i++) {
      Thread.sleep(10);
      assertThat(server.describe("one", null).get(0).requestInQueue()).isEqualTo(3);
    }
    release.countDown();
    assertThat(caller.get(10, TimeUnit.SECONDS).getProperty("thread", null)).doesNotStartWith("servingkit-");
    for (int i = 0; i < 3; i++) {
      assertThat(queued.get(i).get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("q" + i);
    }
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
    server = builder().model("flaky=file:" + folder("minWorkers=1\nmaxWorkers=1")).build();
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
          running.countDown();
          release.await(30, TimeUnit.SECONDS);
          answeredBeforeClose.set(mode.workersClosed.get() == 0);
          return echoWithThread(id, batch);
        };
    server = builder().model("slow=file:" + folder("")).build();
    CompletableFuture<Output> caller = CompletableFuture.supplyAsync(() -> server.predictAndWait("slow", input("s")));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    Thread.sleep(200);
    assertThat(mode.workersClosed).hasValue(0);
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

  /**
   * {@link ModelServer#predictOnEventLoop}: an event loop runs a job itself only when that is quick and safe — an
   * in-process worker, recent batches under a millisecond, nothing else of the model in flight — and otherwise
   * queues it exactly like {@link ModelServer#predict}.
   */
  @Nested
  class OnEventLoop {
    /** The thread that ran each batch, in order. */
    private final List<String> threads = Collections.synchronizedList(new ArrayList<>());

    private void start(String props) throws IOException {
      server = builder().model("m=file:" + folder(props)).build();
    }

    /** Echoes each input with the name of the thread that ran it; "sleep" takes 20 ms, "hold" waits for a latch. */
    private ScriptedModeProvider.Script script(CountDownLatch holding, CountDownLatch release) {
      return (id, batch) -> {
        String text = batch.get(0).getData().getAsString();
        if (text.equals("sleep")) {
          Thread.sleep(20);
        } else if (text.equals("hold")) {
          holding.countDown();
          release.await(30, TimeUnit.SECONDS);
        }
        threads.add(Thread.currentThread().getName());
        List<Output> outputs = ScriptedModeProvider.echo(id, batch);
        outputs.forEach(o -> o.addProperty("thread", Thread.currentThread().getName()));
        return outputs;
      };
    }

    private String ranOn(CompletableFuture<Output> future) throws Exception {
      return future.get(10, TimeUnit.SECONDS).getProperty("thread", null);
    }

    private String me() {
      return Thread.currentThread().getName();
    }

    /**
     * Sends quick jobs until the caller runs one: the first batches of a fresh JVM (class loading, a cold JIT) may
     * take over a millisecond, so the average needs a few quick ones to come down.
     */
    private void runQuickJobsUntilTheCallerRunsOne() throws Exception {
      for (int i = 0; i < 200; i++) {
        if (ranOn(server.predictOnEventLoop("m", null, input("quick" + i))).equals(me())) {
          return;
        }
      }
      throw new AssertionError("200 quick jobs, none run on the caller");
    }

    @Test
    void aQuickInProcessModelRunsOnTheCallerOnceItsBatchesShowedItQuick() throws Exception {
      mode.inProcess = true;
      mode.script = script(new CountDownLatch(1), new CountDownLatch(0));
      start("minWorkers=1\nmaxWorkers=1");

      CompletableFuture<Output> first = server.predictOnEventLoop("m", null, input("a"));
      assertThat(ranOn(first)).startsWith("servingkit-m-worker-"); // nothing known about its speed yet: queued
      runQuickJobsUntilTheCallerRunsOne();

      CompletableFuture<Output> next = server.predictOnEventLoop("m", null, input("b"));
      assertThat(next).isDone(); // ran before the call returned
      assertThat(next.join().getData().getAsString()).isEqualTo("b");
      assertThat(ranOn(next)).isEqualTo(me());

      // run on the caller or not, every job is counted once
      assertThat(server.scrapeMetrics())
          .contains(
              "servingkit_requests_total{model=\"m\",outcome=\"success\",version=\"\"} " + threads.size() + ".0");
    }

    @Test
    void aWorkerOutsideTheJvmIsNeverRunOnTheCaller() throws Exception {
      mode.inProcess = false; // as a Python worker: its batch waits on another process
      mode.script = script(new CountDownLatch(1), new CountDownLatch(0));
      start("minWorkers=1\nmaxWorkers=1");
      for (int i = 0; i < 5; i++) {
        assertThat(ranOn(server.predictOnEventLoop("m", null, input("x" + i)))).startsWith("servingkit-m-worker-");
      }
    }

    @Test
    void aSlowModelIsQueuedAndAModelThatTurnsSlowIsQueuedAgain() throws Exception {
      mode.inProcess = true;
      mode.script = script(new CountDownLatch(1), new CountDownLatch(0));
      start("minWorkers=1\nmaxWorkers=1");
      runQuickJobsUntilTheCallerRunsOne();

      // a 20 ms batch run by the caller lifts the average far above a millisecond: the next ones are queued
      assertThat(ranOn(server.predictOnEventLoop("m", null, input("sleep")))).isEqualTo(me());
      for (int i = 0; i < 3; i++) {
        assertThat(ranOn(server.predictOnEventLoop("m", null, input("sleep")))).startsWith("servingkit-m-worker-");
      }
      // quick batches on the worker bring the average back down, and the caller runs jobs again
      runQuickJobsUntilTheCallerRunsOne();
    }

    @Test
    void anotherJobInFlightMakesTheCallerQueue() throws Exception {
      mode.inProcess = true;
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      mode.script = script(holding, release);
      start("minWorkers=2\nmaxWorkers=2");
      runQuickJobsUntilTheCallerRunsOne();

      CompletableFuture<Output> held = server.predict("m", input("hold"));
      assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
      // the other worker is idle, but the model is under load: the job goes to a worker thread
      CompletableFuture<Output> next = server.predictOnEventLoop("m", null, input("next"));
      assertThat(ranOn(next)).startsWith("servingkit-m-worker-");
      release.countDown();
      assertThat(held.get(10, TimeUnit.SECONDS).getData().getAsString()).isEqualTo("hold");
      runQuickJobsUntilTheCallerRunsOne(); // alone again (the held batch's time decays away)
    }

    @Test
    void manyEventLoopCallersAndQueuedJobsGetEveryAnswerOnce() throws Exception {
      mode.inProcess = true;
      mode.script = script(new CountDownLatch(1), new CountDownLatch(0));
      start("minWorkers=2\nmaxWorkers=2\njob_queue_size=10000");
      ExecutorService callers = Executors.newFixedThreadPool(8);
      try {
        List<Future<List<String>>> all = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int caller = t;
          all.add(
              callers.submit(
                  () -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                      String text = caller + "-" + i;
                      CompletableFuture<Output> f =
                          caller % 2 == 0
                              ? server.predictOnEventLoop("m", null, input(text))
                              : server.predict("m", input(text));
                      String got = f.get(30, TimeUnit.SECONDS).getData().getAsString();
                      if (!got.equals(text)) {
                        wrong.add(text + " -> " + got);
                      }
                    }
                    return wrong;
                  }));
        }
        for (Future<List<String>> f : all) {
          assertThat(f.get(2, TimeUnit.MINUTES)).isEmpty();
        }
      } finally {
        callers.shutdownNow();
        assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      }
      // every batch held exactly one job: a worker never ran two at once
      assertThat(mode.batches).hasSize(4000).allSatisfy(b -> assertThat(b).hasSize(1));
      assertThat(server.scrapeMetrics())
          .contains("servingkit_requests_total{model=\"m\",outcome=\"success\",version=\"\"} 4000.0");
    }

    @Test
    void theApiRunsOnTheEventLoopOnlyWhenTheAdapterSaysItIsOne() throws Exception {
      mode.inProcess = true;
      mode.script = script(new CountDownLatch(1), new CountDownLatch(0));
      start("minWorkers=1\nmaxWorkers=1");
      try (ServingApi api = new ServingApi(server)) {
        runQuickJobsUntilTheCallerRunsOne();
        threads.clear();
        CompletableFuture<ApiResponse> onLoop = api.handle(request(true)).toCompletableFuture();
        assertThat(onLoop).isDone();
        assertThat(onLoop.join().status()).isEqualTo(200);
        assertThat(body(onLoop.join())).isEqualTo("hello");
        assertThat(threads).hasSize(1).last().isEqualTo(me());

        ApiResponse queued = api.handle(request(false)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(queued.status()).isEqualTo(200);
        assertThat(body(queued)).isEqualTo("hello");
        assertThat(threads).hasSize(2).last().asString().startsWith("servingkit-m-worker-");
      }
    }

    private static ApiRequest request(boolean onEventLoop) {
      return ApiRequest.builder("POST", "/predictions/m")
          .header("Content-Type", "text/plain")
          .body("hello".getBytes(StandardCharsets.UTF_8))
          .onEventLoop(onEventLoop)
          .build();
    }

    private static String body(ApiResponse r) {
      return StandardCharsets.UTF_8.decode(r.body().duplicate()).toString();
    }
  }
}
