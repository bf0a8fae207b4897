package io.servingkit.internal.scheduling;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelNotReadyException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.QueueFullException;
import io.servingkit.WorkerDiedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The scheduler step by step: a {@link TaskFaker} runs every task on the test thread and moves time only when told,
 * so batching windows, scale-up, idle retirement, retries, health and backoff are checked at exact instants.
 */
class WorkerPoolTest {
  private final ScriptedModel model = new ScriptedModel();
  private final TaskFaker faker = model.faker;

  private static Throwable failure(CompletableFuture<Object> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("not failed");
  }

  private List<CompletableFuture<Object>> submitAll(WorkerPool pool, String... inputs) {
    List<CompletableFuture<Object>> out = new ArrayList<>();
    for (String in : inputs) {
      out.add(pool.submit(in));
    }
    return out;
  }

  @Test
  void theBatchWindowCountsFromTheFirstJobAndAFullBatchRunsAtOnce() {
    WorkerPool pool = model.started("batch_size=4\nmax_batch_delay=10\nminWorkers=1\nmaxWorkers=1");
    CompletableFuture<Object> a = pool.submit("a");
    faker.advance(6, MILLISECONDS);
    CompletableFuture<Object> b = pool.submit("b");
    faker.advance(3, MILLISECONDS); // 9 ms after a: the window is still open
    assertThat(model.batches).isEmpty();
    assertThat(pool.queued()).isEqualTo(2);
    faker.advance(1, MILLISECONDS);
    assertThat(model.batches).containsExactly(List.of("a", "b"));
    assertThat(a.join()).isEqualTo("A");
    assertThat(b.join()).isEqualTo("B");

    submitAll(pool, "c", "d", "e", "f", "g");
    faker.runUntilIdle(); // c..f fill a batch: it runs without waiting; g opens a new window
    assertThat(model.batches).containsExactly(List.of("a", "b"), List.of("c", "d", "e", "f"));
    faker.advance(10, MILLISECONDS);
    assertThat(model.batches).last().isEqualTo(List.of("g"));
  }

  @Test
  void aQuickModelRunsOnTheSubmittingThreadAndASlowOneOnAPooledTask() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1");
    CompletableFuture<Object> first = pool.submit("first");
    assertThat(first).isNotDone(); // nothing timed yet: handed to a pooled task
    assertThat(faker.readyTasks()).isEqualTo(1);
    faker.runUntilIdle();
    assertThat(first.join()).isEqualTo("FIRST");

    CompletableFuture<Object> quick = pool.submit("quick"); // the first batch took no time
    assertThat(quick).isCompletedWithValue("QUICK");
    assertThat(faker.readyTasks()).isZero();

    model.script =
        (w, batch) -> {
          faker.elapse(5, MILLISECONDS);
          return batch;
        };
    for (int i = 0; i < 4; i++) {
      pool.submit("slow" + i);
      faker.runUntilIdle();
    }
    CompletableFuture<Object> handed = pool.submit("handed"); // recent batches average over 1 ms
    assertThat(handed).isNotDone();
    faker.runUntilIdle();
    assertThat(handed.join()).isEqualTo("handed");
  }

  @Test
  void jobsRunInArrivalOrderAndTheQueueCountsRunningJobs() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1\njob_queue_size=3");
    List<CompletableFuture<Object>> admitted = submitAll(pool, "1", "2", "3");
    CompletableFuture<Object> refused = pool.submit("4"); // job 1 holds the worker (its task not run yet): 3 unanswered
    assertThat(failure(refused))
        .isInstanceOf(QueueFullException.class)
        .hasMessage("Worker queue capacity exceeded for model: m");
    faker.runUntilIdle();
    assertThat(model.batches).containsExactly(List.of("1"), List.of("2"), List.of("3"));
    assertThat(admitted).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(pool.submit("5")).isNotNull();
  }

  @Test
  void aBackedUpQueueStartsWorkersUpToMaxAndIdleOnesRetireAfterMaxIdleTime() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=3\nmax_idle_time=60");
    submitAll(pool, "a", "b", "c"); // a holds worker 1; b and c wait: more than 2 x batch_size queued
    assertThat(pool.liveWorkers()).isEqualTo(2); // one more is starting
    submitAll(pool, "d");
    assertThat(pool.liveWorkers()).isEqualTo(3);
    faker.runUntilIdle();
    assertThat(model.workersCreated).isEqualTo(3);
    assertThat(model.batches).hasSize(4);
    assertThat(model.workers()).isEqualTo(3);

    faker.advance(59, SECONDS);
    assertThat(model.workers()).isEqualTo(3);
    faker.advance(1, SECONDS);
    assertThat(model.workers()).isEqualTo(1); // back to minWorkers
    assertThat(model.events).filteredOn(e -> e.endsWith(" idle")).hasSize(2);
  }

  @Test
  void workersIdleBeforeTheMinimumIsLoweredRetireAfterMaxIdleTime() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=3\nmax_idle_time=60");
    pool.scale(3, 3);
    faker.runUntilIdle();
    assertThat(model.workers()).isEqualTo(3); // all idle, none extra yet
    pool.scale(1, 3);
    faker.advance(59, SECONDS);
    assertThat(model.workers()).isEqualTo(3);
    faker.advance(1, SECONDS);
    assertThat(model.workers()).isEqualTo(1);
  }

  @Test
  void scalingStartsAndStopsWorkersAndZeroFailsTheQueue() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1");
    pool.scale(3, 3);
    faker.runUntilIdle();
    assertThat(model.workers()).isEqualTo(3);
    pool.scale(1, 1);
    assertThat(model.workers()).isEqualTo(1);
    assertThat(model.workersClosed).isEqualTo(2);
    CompletableFuture<Object> queued = pool.submit("x"); // handed to a task that has not run
    pool.scale(0, 0);
    faker.runUntilIdle();
    assertThat(queued).isDone();
    assertThat(failure(pool.submit("y")))
        .isInstanceOf(ModelNotReadyException.class)
        .hasMessage("All model workers has been shutdown: m");
  }

  @Test
  void aBatchWhoseWorkerDiedIsSplitAndOnlyThePoisonJobFails() {
    WorkerPool pool = model.started("batch_size=4\nmax_batch_delay=10\nminWorkers=1\nmaxWorkers=1");
    model.script =
        (w, batch) -> {
          if (batch.contains("poison")) {
            throw w.die();
          }
          return batch.stream().map(String::toUpperCase).toList();
        };
    List<CompletableFuture<Object>> jobs = submitAll(pool, "a", "poison", "b", "c");
    faker.runUntilIdle();
    assertThat(model.batches)
        .containsExactly(
            List.of("a", "poison", "b", "c"), List.of("a"), List.of("poison"), List.of("b"), List.of("c"));
    assertThat(jobs.get(0).join()).isEqualTo("A");
    assertThat(jobs.get(2).join()).isEqualTo("B");
    assertThat(jobs.get(3).join()).isEqualTo("C");
    assertThat(failure(jobs.get(1)))
        .isInstanceOf(WorkerDiedException.class)
        .hasMessageContaining("died running this job, and again when it was retried alone on a fresh worker")
        .hasMessageContaining("exited with code 1");
    assertThat(model.workersCreated).isEqualTo(3);
    assertThat(model.workers()).isEqualTo(1);
    assertThat(model.health).isEmpty();
  }

  @Test
  void aPoisonJobSentAgainAndAgainNeverMakesTheModelUnhealthy() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=2\nretry_threshold=1");
    model.script =
        (w, batch) -> {
          if (batch.get(0).equals("poison")) {
            throw w.die();
          }
          return batch;
        };
    for (int i = 0; i < 6; i++) {
      CompletableFuture<Object> poison = pool.submit("poison");
      CompletableFuture<Object> good = pool.submit("good" + i);
      faker.runUntilIdle();
      assertThat(failure(poison)).isInstanceOf(WorkerDiedException.class);
      assertThat(good.join()).isEqualTo("good" + i);
    }
    assertThat(model.health).isEmpty();
    assertThat(faker.readyTasks()).isZero();
  }

  @Test
  void workersThatKeepDyingMakeTheModelUnhealthyAndRestartsBackOffUntilOneServes() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1\nretry_threshold=2");
    model.script =
        (w, batch) -> {
          throw w.die();
        };
    model.failNewWorker = new IllegalStateException("cannot start");
    CompletableFuture<Object> job = pool.submit("x");
    faker.runUntilIdle();
    // the job's worker died (not counted: the job is retried), then three failed starts: 3 > retry_threshold=2
    assertThat(model.startAttempts).isEqualTo(4);
    assertThat(model.health).singleElement().asString().startsWith("unhealthy: its workers died 3 times in a row");
    assertThat(job).isNotDone(); // it waits, alone, for a worker
    assertThat(failure(pool.submit("y")))
        .isInstanceOf(ModelNotReadyException.class)
        .hasMessageStartingWith("Model m is unhealthy: its workers died 3 times in a row");

    long[] waits = {1000, 2000, 4000};
    for (long wait : waits) {
      int attempts = model.startAttempts;
      faker.advance(wait - 1, MILLISECONDS);
      assertThat(model.startAttempts).isEqualTo(attempts);
      faker.advance(1, MILLISECONDS);
      assertThat(model.startAttempts).isEqualTo(attempts + 1);
    }
    model.failNewWorker = null;
    model.script = (w, batch) -> batch;
    faker.advance(8, SECONDS);
    assertThat(job.join()).isEqualTo("x"); // run on the worker that finally started
    assertThat(model.health).last().isEqualTo("healthy");
    assertThat(pool.submit("z")).isCompletedWithValue("z");
  }

  @Test
  void backoffDoublesFromOneSecondToSixtyAfterTheThreshold() {
    assertThat(WorkerPool.backoffNanos(3, 3)).isZero();
    assertThat(WorkerPool.backoffNanos(4, 3)).isEqualTo(SECONDS.toNanos(1));
    assertThat(WorkerPool.backoffNanos(5, 3)).isEqualTo(SECONDS.toNanos(2));
    assertThat(WorkerPool.backoffNanos(9, 3)).isEqualTo(SECONDS.toNanos(32));
    assertThat(WorkerPool.backoffNanos(10, 3)).isEqualTo(SECONDS.toNanos(60));
    assertThat(WorkerPool.backoffNanos(500, 3)).isEqualTo(SECONDS.toNanos(60));
  }

  @Test
  void scalingAnUnhealthyModelStartsWorkersAtOnce() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1\nretry_threshold=0");
    model.script =
        (w, batch) -> {
          throw w.die();
        };
    model.failNewWorker = new IllegalStateException("cannot start");
    pool.submit("x");
    faker.runUntilIdle();
    assertThat(model.health).hasSize(1);
    int attempts = model.startAttempts;
    model.failNewWorker = null;
    model.script = (w, batch) -> batch;
    pool.scale(2, 2);
    faker.runUntilIdle(); // the new slot starts without the backoff wait; the backed-off restart keeps its time
    assertThat(model.startAttempts).isEqualTo(attempts + 1);
    assertThat(model.workers()).isEqualTo(1);
    assertThat(model.health).last().isEqualTo("healthy"); // the waiting job ran on the new worker
    faker.advance(1, SECONDS);
    assertThat(model.workers()).isEqualTo(2);
  }

  @Test
  void aPredictTimeoutFailsTheJobAndReplacesTheWorkerWithoutRetryOrCount() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1\nretry_threshold=0");
    model.script =
        (w, batch) -> {
          if (batch.get(0).equals("hang")) {
            w.alive = false;
            throw new PredictTimeoutException("worker did not answer within option.predict_timeout=2 s");
          }
          return batch;
        };
    CompletableFuture<Object> hang = pool.submit("hang");
    faker.runUntilIdle();
    assertThat(failure(hang)).isInstanceOf(PredictTimeoutException.class).hasMessageContaining("predict_timeout=2");
    assertThat(model.batches).containsExactly(List.of("hang")); // not retried
    assertThat(model.workersCreated).isEqualTo(2);
    assertThat(model.health).isEmpty();
    assertThat(pool.submit("ok")).isNotNull();
    faker.runUntilIdle();
    assertThat(model.batches).last().isEqualTo(List.of("ok"));
  }

  @Test
  void anOutOfMemoryErrorFailsTheJob507AndTheWorkerKeepsServing() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1");
    model.script =
        (w, batch) -> {
          if (batch.get(0).equals("huge")) {
            throw new OutOfMemoryError("Java heap space");
          }
          return batch;
        };
    CompletableFuture<Object> huge = pool.submit("huge");
    faker.runUntilIdle();
    assertThat(failure(huge))
        .isInstanceOf(NotEnoughMemoryException.class)
        .hasMessageContaining("ran out of memory")
        .hasMessageContaining("Java heap space");
    CompletableFuture<Object> next = pool.submit("next");
    faker.runUntilIdle();
    assertThat(next.join()).isEqualTo("next");
    assertThat(model.workersCreated).isEqualTo(1);
  }

  @Test
  void closeFailsQueuedJobsAndClosesEveryWorker() {
    WorkerPool pool = model.started("batch_size=2\nmax_batch_delay=100\nminWorkers=2\nmaxWorkers=2");
    CompletableFuture<Object> waiting = pool.submit("w");
    pool.close(1000);
    assertThat(failure(waiting)).isInstanceOf(ModelNotReadyException.class).hasMessageContaining("unregistered");
    assertThat(model.workersClosed).isEqualTo(2);
    faker.advance(1, SECONDS); // the window timer finds the pool closed
    assertThat(model.batches).isEmpty();
    assertThat(failure(pool.submit("late"))).isInstanceOf(ModelNotReadyException.class);
  }
}
