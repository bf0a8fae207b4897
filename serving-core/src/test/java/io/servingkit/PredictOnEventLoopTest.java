package io.servingkit;

import static io.servingkit.ScriptedModeProvider.input;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ApiResponse;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.ThreadLeaks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelServer#predictOnEventLoop}: an event loop runs a job itself only when that is quick and safe — an
 * in-process worker, recent batches under a millisecond, nothing else of the model in flight — and otherwise
 * queues it exactly like {@link ModelServer#predict}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PredictOnEventLoopTest {
  @TempDir Path tmp;
  private final ScriptedModeProvider mode = new ScriptedModeProvider();
  /** The thread that ran each batch, in order. */
  private final List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
  private ModelServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    ThreadLeaks.assertNoneLeft();
  }

  private ModelServer start(String props) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "m");
    Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\nscripted=true\n" + props);
    server = ModelServer.builder().addModeProvider(mode).workDir(tmp.resolve("work")).model("m=file:" + dir).build();
    return server;
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
