package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static io.servingkit.python.PythonTestModels.withProperty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.PredictTimeoutException;
import io.servingkit.WorkerDiedException;
import io.servingkit.spi.ModelWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Worker processes that exit, are killed or hang: the batch fails clearly, the worker says so, a new one works. */
@ExtendWith(NoLeaks.class)
class CrashRecoveryTest {
  @TempDir Path workDir;

  @Test
  void sysExitInTheHandlerKillsTheWorkerAndANewWorkerServes() throws Exception {
    try (PythonModel model = PythonTestModels.load("failing", workDir)) {
      ModelWorker worker = model.newWorker(1);

      assertThatThrownBy(() -> worker.predict(List.of(withProperty(text("x"), "x-mode", "exit"))))
          .isExactlyInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("worker 1")
          .hasMessageContaining("exit code 3")
          .satisfies(e -> assertThat(((WorkerDiedException) e).isRetryable()).isTrue());
      assertThat(worker.isAlive()).isFalse();
      assertThatThrownBy(() -> worker.predict(List.of(text("again"))))
          .isExactlyInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("is not running");
      worker.close();

      try (ModelWorker replacement = model.newWorker(2)) {
        assertThat(body(single(replacement.predict(List.of(text("back")))))).isEqualTo("back");
      }
    }
  }

  @Test
  void externalKillIsNoticedAtOnceWhileIdle() throws Exception {
    try (PythonModel model = PythonTestModels.load("echo", workDir);
        PythonWorker worker = (PythonWorker) model.newWorker(1)) {
      ProcessHandle.of(worker.pid()).orElseThrow().destroyForcibly();

      await().atMost(Duration.ofSeconds(5)).until(() -> !worker.isAlive());
      assertThatThrownBy(() -> worker.predict(List.of(text("x"))))
          .isExactlyInstanceOf(WorkerDiedException.class);
    }
  }

  @Test
  void predictTimeoutStopsTheProcessAndFailsWith503Kind() throws Exception {
    try (PythonModel model =
            PythonTestModels.load("failing", PythonTestModels.folder("failing"), workDir,
                Map.of("option.predict_timeout", "1"));
        PythonWorker worker = (PythonWorker) model.newWorker(1)) {
      ProcessHandle process = ProcessHandle.of(worker.pid()).orElseThrow();

      assertThatThrownBy(() -> worker.predict(List.of(withProperty(text("30"), "x-mode", "sleep"))))
          .isExactlyInstanceOf(PredictTimeoutException.class)
          .hasMessageContaining("option.predict_timeout=1 s");

      assertThat(worker.isAlive()).isFalse();
      await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
    }
  }

  @Test
  void closeLeavesNoProcess() throws Exception {
    ProcessHandle process;
    try (PythonModel model = PythonTestModels.load("echo", workDir)) {
      PythonWorker worker = (PythonWorker) model.newWorker(1);
      process = ProcessHandle.of(worker.pid()).orElseThrow();
      worker.close();
      assertThat(process.isAlive()).isFalse();
      assertThat(worker.isAlive()).isFalse();
      worker.close();
    }
  }

  @Test
  void closeStopsABusyProcessWithinItsBound() throws Exception {
    try (PythonModel model = PythonTestModels.load("failing", workDir)) {
      PythonWorker worker = (PythonWorker) model.newWorker(1);
      ProcessHandle process = ProcessHandle.of(worker.pid()).orElseThrow();
      ExecutorService caller = Executors.newSingleThreadExecutor();
      try {
        Path marker = workDir.resolve("busy");
        CompletableFuture<Object> call = CompletableFuture.supplyAsync(() -> {
          try {
            return worker.predict(List.of(withProperty(withProperty(text("x"), "x-mode", "marker"),
                "x-marker", marker.toString())));
          } catch (Exception e) {
            return e;
          }
        }, caller);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(marker));

        worker.close();

        assertThat(process.isAlive()).isFalse();
        assertThat(call.get(10, TimeUnit.SECONDS)).isInstanceOf(WorkerDiedException.class);
      } finally {
        caller.shutdownNow();
      }
    }
  }

  /**
   * Eight callers share two workers the way the server's pool does (a worker serves one caller at a time, a
   * dead one is replaced). One worker is SIGKILLed while it runs a call. Every call ends, with its echo or a
   * WorkerDiedException; the call running on the killed worker gets the exception.
   */
  @Test
  void killMinusNineUnderConcurrentCallsFailsOnlyWithWorkerDied() throws Exception {
    int callers = 8;
    int callsEach = 40;
    try (PythonModel model = PythonTestModels.load("failing", workDir)) {
      BlockingQueue<ModelWorker> pool = new ArrayBlockingQueue<>(2);
      pool.add(model.newWorker(1));
      pool.add(model.newWorker(2));
      AtomicInteger nextId = new AtomicInteger(3);
      AtomicInteger ok = new AtomicInteger();
      List<Throwable> died = new ArrayList<>();
      List<Throwable> unexpected = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService threads = Executors.newFixedThreadPool(callers + 1);
      try {
        Path marker = workDir.resolve("victim");
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        runs.add(CompletableFuture.runAsync(() -> {
          awaitQuietly(go);
          Throwable failure = call(pool, model, nextId,
              withProperty(withProperty(text("victim"), "x-mode", "marker"), "x-marker", marker.toString()), null);
          synchronized (died) {
            if (failure instanceof WorkerDiedException) {
              died.add(failure);
            } else {
              unexpected.add(failure == null ? new AssertionError("the victim call answered") : failure);
            }
          }
        }, threads));
        for (int c = 0; c < callers; c++) {
          int caller = c;
          runs.add(CompletableFuture.runAsync(() -> {
            awaitQuietly(go);
            for (int i = 0; i < callsEach; i++) {
              String text = "caller " + caller + " call " + i;
              Throwable failure = call(pool, model, nextId, text(text), text);
              synchronized (died) {
                if (failure == null) {
                  ok.incrementAndGet();
                } else if (failure instanceof WorkerDiedException) {
                  died.add(failure);
                } else {
                  unexpected.add(failure);
                }
              }
            }
          }, threads));
        }
        go.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker));
        long victimPid = Long.parseLong(Files.readString(marker).strip());
        ProcessHandle.of(victimPid).orElseThrow().destroyForcibly();

        CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

        assertThat(unexpected).isEmpty();
        assertThat(died).isNotEmpty();
        assertThat(ok.get() + died.size()).isEqualTo(callers * callsEach + 1);
        assertThat(died).allSatisfy(e -> assertThat(((WorkerDiedException) e).isRetryable()).isTrue());
      } finally {
        threads.shutdownNow();
        for (ModelWorker worker : pool) {
          worker.close();
        }
      }
    }
  }

  /** Takes a worker, runs one call, gives the worker back (or a fresh one when it died); returns the failure. */
  private static Throwable call(
      BlockingQueue<ModelWorker> pool, PythonModel model, AtomicInteger nextId, Input input,
      String expected) {
    ModelWorker worker;
    try {
      worker = pool.poll(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      return e;
    }
    if (worker == null) {
      return new AssertionError("no worker came back to the pool within 60 s");
    }
    try {
      Output output = single(worker.predict(List.of(input)));
      if (expected != null && !expected.equals(body(output))) {
        return new AssertionError("expected " + expected + " but got " + body(output));
      }
      return null;
    } catch (Exception e) {
      return e;
    } finally {
      if (worker.isAlive()) {
        pool.add(worker);
      } else {
        worker.close();
        pool.add(model.newWorker(nextId.getAndIncrement()));
      }
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
