package io.servingkit;

import static io.servingkit.ScriptedModeProvider.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.testing.ThreadLeaks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelServerTest {
  @TempDir Path tmp;
  private final ScriptedModeProvider mode = new ScriptedModeProvider();
  private final FakeTicker ticker = new FakeTicker();
  private ModelServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
      server.close(); // idempotent
    }
    ThreadLeaks.assertNoneLeft();
  }

  private Path folder(String props) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "m");
    Files.writeString(dir.resolve("serving.properties"), "engine=PyTorch\nscripted=true\n" + props);
    return dir;
  }

  private ModelServer.Builder builder() {
    return ModelServer.builder().addModeProvider(mode).ticker(ticker).workDir(tmp.resolve("work"));
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return e.getCause() != null ? e.getCause() : e;
    }
    throw new AssertionError("expected a failure");
  }

  /** A script whose jobs count {@code entered} down, wait (at most 10 s) for {@code release}, then echo. */
  private static ScriptedModeProvider.Script holdEach(CountDownLatch entered, CountDownLatch release) {
    return (id, batch) -> {
      entered.countDown();
      release.await(10, TimeUnit.SECONDS);
      return ScriptedModeProvider.echo(id, batch);
    };
  }

  private static String text(Output out) {
    return out.getData().getAsString();
  }

  @Test
  void predictsThroughTheQueueAndListsTheModel() throws Exception {
    server = builder().model("echo=file:" + folder("")).build();
    assertThat(text(server.predict("echo", input("hi")).get(10, TimeUnit.SECONDS))).isEqualTo("hi");
    ModelDescription d = server.list().get(0);
    assertThat(d.modelName()).isEqualTo("echo");
    assertThat(d.status()).isEqualTo(ModelStatus.READY);
    assertThat(d.engine()).isEqualTo("PyTorch");
    assertThat(d.workerGroups()).singleElement().satisfies(g -> {
      assertThat(g.device()).isEqualTo("cpu");
      assertThat(g.minWorkers()).isEqualTo(1);
      assertThat(g.maxWorkers()).isEqualTo(2);
      assertThat(g.workers()).hasSize(1);
    });
  }

  @Test
  void unknownModelFailsOnTheFuture() throws Exception {
    server = builder().build();
    assertThat(failure(server.predict("nope", input("x"))))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("Model or workflow not found: nope");
  }

  @Test
  void unversionedCallsGoToTheLatestVersion() throws Exception {
    Path dir = folder("");
    server = builder().model("m:1=file:" + dir).model("m:2=file:" + dir).build();
    CountDownLatch seen = new CountDownLatch(1);
    mode.script = (id, batch) -> {
      seen.countDown();
      return ScriptedModeProvider.echo(id, batch);
    };
    server.predict("m", input("a")).get(10, TimeUnit.SECONDS);
    assertThat(server.describe("m", null)).extracting(ModelDescription::version).containsExactly("1", "2");
    server.unregister("m", "2");
    assertThat(server.describe("m", null)).extracting(ModelDescription::version).containsExactly("1");
    assertThat(failure(server.predict("m", "2", input("a")))).isInstanceOf(ModelNotFoundException.class);
    assertThat(text(server.predict("m", "1", input("b")).get(10, TimeUnit.SECONDS))).isEqualTo("b");
  }

  @Test
  void duplicateRegistrationIsRefused() throws Exception {
    Path dir = folder("");
    server = builder().model("dup=file:" + dir).build();
    assertThatThrownBy(() -> server.register(ModelSpec.parse("dup=file:" + dir)))
        .isInstanceOf(ModelAlreadyExistsException.class)
        .hasMessage("Workflow dup is already registered.");
  }

  @Test
  void fullQueueRejectsTheSecondConcurrentJobAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    mode.script = (id, batch) -> {
      release.await(10, TimeUnit.SECONDS);
      return ScriptedModeProvider.echo(id, batch);
    };
    server = builder().model("slow=file:" + folder("job_queue_size=1\nminWorkers=1\nmaxWorkers=1\n")).build();
    CompletableFuture<Output> first = server.predict("slow", input("1"));
    CompletableFuture<Output> second = server.predict("slow", input("2"));
    assertThat(second).isCompletedExceptionally();
    assertThat(failure(second))
        .isInstanceOf(QueueFullException.class)
        .hasMessage("Worker queue capacity exceeded for model: slow");
    release.countDown();
    assertThat(text(first.get(10, TimeUnit.SECONDS))).isEqualTo("1");
    assertThat(text(server.predict("slow", input("3")).get(10, TimeUnit.SECONDS))).isEqualTo("3");
  }

  @Test
  void batchesCollectQueuedJobsUpToBatchSize() throws Exception {
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdEach(firstRunning, release);
    server =
        builder()
            .model("b=file:" + folder("batch_size=4\nmax_batch_delay=0\nminWorkers=1\nmaxWorkers=1\n"))
            .build();
    List<CompletableFuture<Output>> futures = new ArrayList<>();
    futures.add(server.predict("b", input("0")));
    firstRunning.await(10, TimeUnit.SECONDS);
    for (int i = 1; i <= 6; i++) {
      futures.add(server.predict("b", input(Integer.toString(i))));
    }
    release.countDown();
    for (int i = 0; i < futures.size(); i++) {
      assertThat(text(futures.get(i).get(10, TimeUnit.SECONDS))).isEqualTo(Integer.toString(i));
    }
    assertThat(new ArrayList<>(mode.batches))
        .containsExactly(List.of("0"), List.of("1", "2", "3", "4"), List.of("5", "6"));
  }

  @Test
  void outputCountMismatchFailsEveryJobOfTheBatch() throws Exception {
    mode.script = (id, batch) -> List.of();
    server = builder().model("m=file:" + folder("")).build();
    assertThat(failure(server.predict("m", input("x"))))
        .isInstanceOf(BadInputException.class)
        .hasMessage("Batch output size mismatch, expected: 1, actual: 0");
  }

  @Test
  void badInputFailsTheJobAndKeepsTheWorker() throws Exception {
    mode.script = (id, batch) -> {
      if (text(batch.get(0)).equals("bad")) {
        throw new BadInputException("input is bad");
      }
      return ScriptedModeProvider.echo(id, batch);
    };
    server = builder().model("m=file:" + folder("minWorkers=1\nmaxWorkers=1\n")).build();
    assertThat(failure(server.predict("m", input("bad")))).isInstanceOf(BadInputException.class).hasMessage("input is bad");
    Output ok = server.predict("m", input("good")).get(10, TimeUnit.SECONDS);
    assertThat(ok.getProperty("worker", null)).isEqualTo("1");
    assertThat(mode.workersCreated).hasValue(1);
  }

  private static String text(ai.djl.modality.Input in) {
    return in.getData().getAsString();
  }

  @Test
  void crashingWorkerIsReplacedAndTheJobRetriedOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    mode.script = (id, batch) -> {
      if (text(batch.get(0)).equals("crash")) {
        calls.incrementAndGet();
        throw new IllegalStateException("native crash");
      }
      return ScriptedModeProvider.echo(id, batch);
    };
    server = builder().model("m=file:" + folder("minWorkers=1\nmaxWorkers=1\nretry_threshold=5\n")).build();
    Throwable t = failure(server.predict("m", input("crash")));
    assertThat(t).isInstanceOf(WorkerDiedException.class).hasMessageContaining("native crash");
    assertThat(calls).hasValue(2); // retried once on a fresh worker, then failed
    Output ok = server.predict("m", input("fine")).get(10, TimeUnit.SECONDS);
    assertThat(ok.getProperty("worker", null)).isEqualTo("3");
    assertThat(server.list().get(0).status()).isEqualTo(ModelStatus.READY);
  }

  @Test
  void aModelWhoseWorkersKeepDyingIsUnhealthyThenReadyAgainOnItsOwn() throws Exception {
    mode.script = (id, batch) -> {
      throw new IllegalStateException("always");
    };
    server =
        builder()
            .model("m=file:" + folder("minWorkers=1\nmaxWorkers=1\nretry_threshold=1\noption.retry_on_crash=false\n"))
            .build();
    // the replacement worker cannot start: a second death in a row passes retry_threshold=1
    mode.failNewWorker = new IllegalStateException("cannot start");
    assertThat(failure(server.predict("m", input("a")))).isInstanceOf(WorkerDiedException.class);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.list().get(0).status() == ModelStatus.UNHEALTHY);
    assertThat(server.list().get(0).failure()).contains("retry_threshold=1").contains("cannot start");
    assertThat(failure(server.predict("m", input("b"))))
        .isInstanceOf(ModelNotReadyException.class)
        .hasMessageContaining("Model m is unhealthy: its workers died 2 times in a row");
    // the cause goes away: the next restart (after a 1 s backoff) serves, and the model is READY by itself
    mode.script = ScriptedModeProvider::echo;
    mode.failNewWorker = null;
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> server.describe("m", null).get(0).workerGroups().get(0).workers().size() == 1);
    assertThat(text(server.predict("m", input("c")).get(10, TimeUnit.SECONDS))).isEqualTo("c");
    assertThat(server.list().get(0).status()).isEqualTo(ModelStatus.READY);
    assertThat(server.list().get(0).failure()).isNull();
  }

  @Test
  void aModelWhoseClassesOrNativesAreMissingFailsAloneAndTheServerServesOn() throws Exception {
    server = builder().model("ok=file:" + folder("")).build();
    mode.failLoad = new UnsatisfiedLinkError("no libmissing in java.library.path");
    CompletableFuture<ModelDescription> f = server.registerAsync(ModelSpec.parse("broken=file:" + folder("")));
    assertThat(failure(f))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("Failed to load model broken")
        .hasMessageContaining("no libmissing in java.library.path");
    assertThat(server.describe("broken", null)).singleElement().extracting(ModelDescription::status)
        .isEqualTo(ModelStatus.FAILED);
    mode.failLoad = null;
    assertThat(text(server.predict("ok", input("still here")).get(10, TimeUnit.SECONDS))).isEqualTo("still here");
  }

  @Test
  void scaleStartsAndStopsWorkersAndRefusesMinAboveMax() throws Exception {
    server = builder().model("m=file:" + folder("")).build();
    ModelDescription d = server.scale("m", null, 3, 3);
    assertThat(d.workerGroups().get(0).minWorkers()).isEqualTo(3);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.describe("m", null).get(0).workerGroups().get(0).workers().size() == 3);
    assertThatThrownBy(() -> server.scale("m", null, 3, 1))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("min_worker=3, max_worker=1");
    server.scale("m", null, 1, 1);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.describe("m", null).get(0).workerGroups().get(0).workers().size() == 1);
    server.scale("m", null, 0, 0);
    assertThat(failure(server.predict("m", input("x"))))
        .isInstanceOf(AllWorkersShutdownException.class)
        .hasMessage("All model workers has been shutdown: m"); // DJL Serving's words
  }

  @Test
  void aSubSecondMaxIdleTimeFromTheBuilderIsKeptExactly() throws Exception {
    // was rounded down to whole seconds: 500 ms became 0 and extra workers retired the moment they idled
    server =
        builder()
            .maxIdleTime(Duration.ofMillis(500))
            .model("m=file:" + folder("minWorkers=1\nmaxWorkers=3\n"))
            .build();
    server.scale("m", null, 3, 3);
    server.scale("m", null, 1, 3);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.describe("m", null).get(0).workerGroups().get(0).workers().size() == 3);
    ticker.advance(499, TimeUnit.MILLISECONDS);
    assertThat(server.describe("m", null).get(0).workerGroups().get(0).workers()).hasSize(3);
    ticker.advance(1, TimeUnit.MILLISECONDS);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.describe("m", null).get(0).workerGroups().get(0).workers().size() == 1);
    assertThat(server.config().modelDefaults()).containsEntry("max_idle_time", "500ms");
  }

  @Test
  void notEnoughMemoryRefusesTheLoad() throws Exception {
    server = builder().memoryProbe(device -> 1000).build();
    Path dir = folder("required_memory_mb=600\nreserved_memory_mb=500\n");
    assertThatThrownBy(() -> server.register(ModelSpec.parse("big=file:" + dir)))
        .isInstanceOf(NotEnoughMemoryException.class)
        .hasMessageContaining("required_memory_mb=600");
    assertThat(server.list()).isEmpty();
  }

  @Test
  void asyncRegistrationIsPendingThenReady() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ScriptedModeProvider slow =
        new ScriptedModeProvider() {
          @Override
          public io.servingkit.spi.LoadedModel load(io.servingkit.spi.ModelContext c, ai.djl.Device d) {
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.load(c, d);
          }
        };
    server = ModelServer.builder().addModeProvider(slow).workDir(tmp.resolve("w2")).build();
    CompletableFuture<ModelDescription> f = server.registerAsync(ModelSpec.parse("a=file:" + folder("")));
    assertThat(server.list()).singleElement().extracting(ModelDescription::status).isEqualTo(ModelStatus.PENDING);
    assertThat(failure(server.predict("a", input("x")))).isInstanceOf(ModelNotReadyException.class);
    release.countDown();
    assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(ModelStatus.READY);
  }

  @Test
  void failedAsyncRegistrationStaysListedAsFailed() throws Exception {
    mode.failNewWorker = new IllegalStateException("no");
    server = builder().build();
    CompletableFuture<ModelDescription> f = server.registerAsync(ModelSpec.parse("bad=file:" + folder("")));
    assertThat(failure(f)).isInstanceOf(ModelLoadException.class).hasMessage("Failed to start worker 1 of model bad: no");
    assertThat(server.list()).singleElement().satisfies(d -> {
      assertThat(d.status()).isEqualTo(ModelStatus.FAILED);
      assertThat(d.failure()).isEqualTo("Failed to start worker 1 of model bad: no");
    });
    server.unregister("bad");
    assertThat(server.list()).isEmpty();
  }

  @Test
  void listenerSeesEventsAndAThrowingListenerBreaksNothing() throws Exception {
    AtomicInteger queued = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    server =
        builder()
            .listener(new ServingListener() {
              @Override
              public void jobQueued(String model, String version) {
                throw new IllegalStateException("listener bug");
              }
            })
            .listener(new ServingListener() {
              @Override
              public void jobQueued(String model, String version) {
                queued.incrementAndGet();
              }

              @Override
              public void jobCompleted(String model, String version, long q, long i) {
                completed.incrementAndGet();
              }
            })
            .model("m=file:" + folder(""))
            .build();
    for (int i = 0; i < 5; i++) {
      server.predict("m", input("x")).get(10, TimeUnit.SECONDS);
    }
    assertThat(queued).hasValue(5);
    assertThat(completed).hasValue(5);
    String metrics = server.scrapeMetrics();
    assertThat(metrics).contains("servingkit_requests_total{model=\"m\",outcome=\"success\",version=\"\"} 5.0");
    // histograms with fixed buckets (they add up across replicas), no client-side quantiles
    assertThat(metrics).doesNotContain("quantile=");
    for (String time : List.of("request", "queue", "inference")) {
      String name = "servingkit_" + time + "_time_seconds";
      assertThat(metrics).contains("# TYPE " + name + " histogram");
      assertThat(metrics).contains(name + "_bucket{model=\"m\",version=\"\",le=\"5.0E-4\"}");
      assertThat(metrics).contains(name + "_bucket{model=\"m\",version=\"\",le=\"+Inf\"} 5");
      assertThat(metrics).contains(name + "_count{model=\"m\",version=\"\"} 5");
    }
    assertThat(metrics).contains("servingkit_queue_depth{model=\"m\"");
    assertThat(metrics).contains("servingkit_jobs_in_flight{model=\"m\",version=\"\"} 0.0");
  }

  @Test
  void warmUpRunsTheSampleInputsBeforeTheModelIsReadyAndLeavesNoMetrics() throws Exception {
    Path model = folder("warmup_inputs=samples\nwarmup_iterations=7\nminWorkers=2\nmaxWorkers=2\n");
    Files.createDirectories(model.resolve("samples"));
    Files.writeString(model.resolve("samples/a.txt"), "first");
    Files.writeString(model.resolve("samples/b.json"), "{\"x\": 1}");
    Files.writeString(model.resolve("samples/.hidden"), "not a sample");
    CountDownLatch warming = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> contentTypes = java.util.Collections.synchronizedList(new ArrayList<>());
    mode.script = (id, batch) -> {
      batch.forEach(in -> contentTypes.add(in.getProperty("content-type", "none")));
      warming.countDown();
      release.await(10, TimeUnit.SECONDS);
      return ScriptedModeProvider.echo(id, batch);
    };
    server = builder().build();
    CompletableFuture<ModelDescription> registered = server.registerAsync(ModelSpec.parse("w=file:" + model));
    assertThat(warming.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(server.list().get(0).status()).as("not READY while warming up").isNotEqualTo(ModelStatus.READY);
    assertThat(failure(server.predict("w", input("x")))).isInstanceOf(ModelNotReadyException.class);
    release.countDown();
    assertThat(registered.get(10, TimeUnit.SECONDS).status()).isEqualTo(ModelStatus.READY);

    List<String> sent = mode.batches.stream().flatMap(List::stream).toList();
    assertThat(sent).hasSize(7).containsOnly("first", "{\"x\": 1}");
    assertThat(sent.stream().filter("first"::equals).count()).isEqualTo(4); // a, b, a, b, a, b, a
    assertThat(contentTypes).containsOnly("text/plain", "application/json");
    assertThat(server.scrapeMetrics()).doesNotContain("servingkit_requests_total{model=\"w\"");
    server.predict("w", input("real")).get(10, TimeUnit.SECONDS);
    assertThat(server.scrapeMetrics())
        .contains("servingkit_requests_total{model=\"w\",outcome=\"success\",version=\"\"} 1.0");

    // what a transport replays to warm its own path: one request per sample file, then the meters start again
    List<Input> samples = server.warmUpInputs("w", null);
    assertThat(samples).extracting(i -> i.getData().getAsString()).containsExactly("first", "{\"x\": 1}");
    assertThat(samples).extracting(i -> i.getProperty("content-type", null))
        .containsExactly("text/plain", "application/json");
    server.resetMetrics("w", null);
    assertThat(server.scrapeMetrics()).doesNotContain("servingkit_requests_total{model=\"w\"");
    assertThatThrownBy(() -> server.warmUpInputs("nope", null)).isInstanceOf(ModelNotFoundException.class);
  }

  @Test
  void aFailingWarmUpFailsTheRegistrationNamingTheInputAndBadSettingsAreNamed() throws Exception {
    Path model = folder("warmup_inputs=samples/broken.txt\n");
    Files.createDirectories(model.resolve("samples"));
    Files.writeString(model.resolve("samples/broken.txt"), "boom");
    mode.script = (id, batch) -> {
      throw new IllegalStateException("cannot read boom");
    };
    server = builder().build();
    assertThatThrownBy(() -> server.register(ModelSpec.parse("w=file:" + model)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("Model w failed its warm-up on broken.txt")
        .hasMessageContaining("cannot read boom");
    assertThat(mode.workersClosed.get()).isEqualTo(mode.workersCreated.get());

    mode.script = ScriptedModeProvider::echo;
    for (String[] bad :
        new String[][] {
          {"warmup_inputs=../outside\n", "warmup_inputs=../outside: not inside the model folder"},
          {"warmup_inputs=missing\n", "warmup_inputs=missing: no such file or folder in the model"},
          {"warmup_iterations=5\n", "warmup_iterations is set but warmup_inputs is not"},
        }) {
      Path m = folder(bad[0]);
      assertThatThrownBy(() -> server.register(ModelSpec.parse("b=file:" + m)))
          .as(bad[0])
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageContaining(bad[1]);
    }
    assertThatThrownBy(() -> ModelSpec.parse("b=file:/m?warmup_iterations=0"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("warmup_iterations");
  }

  @Test
  void workersGaugeCountsEachStateAsTheScrapeShowsIt() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdEach(running, release);
    server = builder().model("m=file:" + folder("minWorkers=2\nmaxWorkers=2\n")).build();
    assertThat(scrapedWorkers()).isEqualTo(List.of(0, 2, 0));
    CompletableFuture<Output> inFlight = server.predict("m", input("a"));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(scrapedWorkers()).isEqualTo(List.of(0, 1, 1));

    CountDownLatch startGate = new CountDownLatch(1);
    mode.holdNewWorker = startGate;
    server.scale("m", null, 3, 3);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scrapedWorkers().equals(List.of(1, 1, 1)));
    startGate.countDown();
    release.countDown();
    assertThat(text(inFlight.get(10, TimeUnit.SECONDS))).isEqualTo("a");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scrapedWorkers().equals(List.of(0, 3, 0)));

    server.unregister("m");
    assertThat(server.scrapeMetrics()).doesNotContain("servingkit_workers{");
  }

  /** {@code servingkit_workers} of model m as scraped: starting, ready, busy. */
  private List<Integer> scrapedWorkers() {
    String metrics = server.scrapeMetrics();
    List<Integer> counts = new ArrayList<>();
    for (String state : List.of("starting", "ready", "busy")) {
      String prefix = "servingkit_workers{model=\"m\",state=\"" + state + "\",version=\"\"} ";
      String line = metrics.lines().filter(l -> l.startsWith(prefix)).findFirst()
          .orElseThrow(() -> new AssertionError("no " + prefix + " in\n" + metrics));
      counts.add((int) Double.parseDouble(line.substring(prefix.length())));
    }
    return counts;
  }

  @Test
  void closeFailsQueuedJobsAndClosesEveryWorkerAndModel() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    mode.script = holdEach(running, release);
    server = builder().model("m=file:" + folder("minWorkers=1\nmaxWorkers=1\n")).build();
    CompletableFuture<Output> inFlight = server.predict("m", input("a"));
    running.await(10, TimeUnit.SECONDS);
    CompletableFuture<Output> queuedJob = server.predict("m", input("b"));
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
    assertThat(failure(queuedJob)).isInstanceOf(ModelNotReadyException.class);
    release.countDown();
    closing.get(20, TimeUnit.SECONDS);
    assertThat(text(inFlight.get(10, TimeUnit.SECONDS))).isEqualTo("a"); // the running batch finished
    assertThat(mode.workersClosed.get()).isEqualTo(mode.workersCreated.get());
    assertThat(mode.modelsClosed).hasValue(1);
    assertThatThrownBy(() -> server.register(ModelSpec.parse("x=file:/tmp"))).isInstanceOf(ModelNotReadyException.class);
  }

  @Test
  void theBuilderTakesAConfigurationAndItsSettersWriteIntoTheSameOne() throws Exception {
    ServingConfig fromFile =
        ServingConfig.builder()
            .properties(java.util.Map.of("job_queue_size", "5", "batch_size", "2"), "config.properties")
            .build();
    server =
        builder()
            .jobQueueSize(7) // explicit: wins over the file whatever the order of the calls
            .config(fromFile)
            .property("max_batch_delay", "250us")
            .model("m=file:" + folder(""))
            .build();
    ModelDescription d = server.list().get(0);
    assertThat(d.queueSize()).isEqualTo(7);
    assertThat(d.batchSize()).isEqualTo(2);
    assertThat(server.config().get(ServingConfig.MAX_BATCH_DELAY)).isEqualTo(Duration.ofNanos(250_000));
    assertThat(server.config().source("batch_size")).hasValue("config.properties");
    assertThatThrownBy(() -> ModelServer.builder().property("batch_sise", "2").build())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("unknown setting batch_sise (from builder property batch_sise)");
  }

  @Test
  void builderChecksItsArguments() {
    assertThatThrownBy(() -> ModelServer.builder().jobQueueSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("job_queue_size=0: must be at least 1");
    assertThatThrownBy(() -> ModelServer.builder().maxBatchDelay(Duration.ofMillis(-1)))
        .hasMessageContaining("max_batch_delay=PT-0.001S: must not be negative");
    assertThatThrownBy(() -> ModelServer.builder().loadOnDevices("tpu7")).hasMessageContaining("tpu7");
    assertThatThrownBy(() -> ModelServer.builder().model("a=")).isInstanceOf(InvalidSpecException.class);
  }

  @Test
  void stressEveryJobCompletesExactlyOnce() throws Exception {
    server =
        builder()
            .model("s=file:" + folder("batch_size=8\nmax_batch_delay=1\nminWorkers=2\nmaxWorkers=2\njob_queue_size=64\n"))
            .build();
    int threads = 32;
    int perThread = 500;
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    AtomicInteger wrong = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread c = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String msg = id + "-" + i;
            try {
              Output out = server.predict("s", input(msg)).join();
              if (text(out).equals(msg)) {
                ok.incrementAndGet();
              } else {
                wrong.incrementAndGet();
              }
            } catch (CompletionException e) {
              if (e.getCause() instanceof QueueFullException) {
                rejected.incrementAndGet();
              } else {
                wrong.incrementAndGet();
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      c.start();
      clients.add(c);
    }
    start.countDown();
    for (Thread c : clients) {
      c.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(c.isAlive()).isFalse();
    }
    assertThat(wrong).hasValue(0);
    assertThat(ok.get() + rejected.get()).isEqualTo(threads * perThread);
    int batched = mode.batches.stream().mapToInt(List::size).sum();
    assertThat(batched).isEqualTo(ok.get()); // each admitted job ran exactly once
    assertThat(mode.batches).allSatisfy(b -> assertThat(b).hasSizeBetween(1, 8));
    String metrics = server.scrapeMetrics();
    assertThat(metrics).contains("outcome=\"rejected\",version=\"\"} " + rejected.get() + ".0");
  }
}
