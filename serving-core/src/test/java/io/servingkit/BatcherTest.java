package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatcherTest {
  private final FakeTicker ticker = new FakeTicker();
  private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
  private final Batcher batcher = new Batcher(queue, ticker);

  private Job enqueue(String text) {
    Input input = new Input();
    input.add(text);
    Job job = new Job(input, ticker.nanoTime());
    queue.add(job);
    return job;
  }

  @Test
  void emptyQueueGivesEmptyBatchAfterPoll() throws Exception {
    assertThat(batcher.next(4, TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(1))).isEmpty();
  }

  @Test
  void batchSizeOneTakesExactlyOneJob() throws Exception {
    Job a = enqueue("a");
    enqueue("b");
    assertThat(batcher.next(1, TimeUnit.SECONDS.toNanos(10), 0)).containsExactly(a);
    assertThat(queue).hasSize(1);
  }

  @Test
  void takesAlreadyQueuedJobsUpToBatchSizeInArrivalOrder() throws Exception {
    Job a = enqueue("a");
    Job b = enqueue("b");
    Job c = enqueue("c");
    Job d = enqueue("d");
    enqueue("e");
    List<Job> batch = batcher.next(4, TimeUnit.SECONDS.toNanos(10), 0);
    assertThat(batch).containsExactly(a, b, c, d);
    assertThat(queue).hasSize(1);
  }

  @Test
  void windowCountsFromTheFirstJobsArrival() throws Exception {
    Job a = enqueue("a");
    ticker.advance(50, TimeUnit.MILLISECONDS);
    Job b = enqueue("b");
    ticker.advance(60, TimeUnit.MILLISECONDS); // 110 ms since a: the 100 ms window is over
    List<Job> batch = batcher.next(8, TimeUnit.MILLISECONDS.toNanos(100), 0);
    assertThat(batch).containsExactly(a, b); // queued jobs are still taken, but no waiting for more
    assertThat(queue).isEmpty();
  }

  @Test
  void waitsInsideTheWindowForLaterJobs() throws Exception {
    Job a = enqueue("a");
    Thread producer =
        new Thread(
            () -> {
              Input input = new Input();
              input.add("late");
              queue.add(new Job(input, ticker.nanoTime()));
            });
    // the window is 10 s of fake time that never passes: the batcher must wait and take the late job
    producer.start();
    List<Job> batch = batcher.next(2, TimeUnit.SECONDS.toNanos(10), 0);
    producer.join();
    assertThat(batch).hasSize(2).first().isEqualTo(a);
  }

  @Test
  void interruptWhileWaitingKeepsTheJobsTaken() throws Exception {
    Job a = enqueue("a");
    java.util.concurrent.CompletableFuture<List<Job>> result = new java.util.concurrent.CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                result.complete(batcher.next(4, TimeUnit.SECONDS.toNanos(100), 0));
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    worker.start();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(queue::isEmpty);
    worker.interrupt();
    assertThat(result.get(10, TimeUnit.SECONDS)).containsExactly(a);
    worker.join();
  }
}
