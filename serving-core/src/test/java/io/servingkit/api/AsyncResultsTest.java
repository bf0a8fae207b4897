package io.servingkit.api;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounds of the asynchronous result cache, on a fake clock: time to live, capacity, given out once, close. */
class AsyncResultsTest {

  private final AtomicLong now = new AtomicLong();
  private final AsyncResults results = new AsyncResults(3, Duration.ofSeconds(10), now::get);

  @Test
  void aResultIsKeptForItsTimeToLiveThenForgotten() {
    String token = results.start(CompletableFuture.completedFuture(new Output()));
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertThat(results.size()).isEqualTo(1);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(results.poll(token, 1)).isNull();
    assertThat(results.size()).isZero();
  }

  @Test
  void theOldestGoesFirstWhenFullEvenUnfinished() {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tokens.add(results.start(new CompletableFuture<>()));
      now.addAndGet(1);
    }
    assertThat(results.size()).isEqualTo(3);
    assertThat(results.poll(tokens.get(0), 1)).isNull();
    assertThat(results.poll(tokens.get(1), 1)).isNull();
    Output pending = results.poll(tokens.get(4), 1).join();
    assertThat(pending.getCode()).isEqualTo(202);
    assertThat(pending.getMessage()).isEqualTo("The model result is not yet available");
    assertThat(pending.getProperty("x-next-token", null)).isEqualTo(tokens.get(4));
  }

  @Test
  void aFinishedResultIsGivenOutOnceAndCloseForgetsEverything() {
    Output done = new Output();
    done.add("answer");
    String token = results.start(CompletableFuture.completedFuture(done));
    assertThat(results.poll(token, Integer.MAX_VALUE).join().getData().getAsString()).isEqualTo("answer");
    assertThat(results.poll(token, Integer.MAX_VALUE)).isNull();

    String other = results.start(new CompletableFuture<>());
    results.close();
    assertThat(results.poll(other, 1)).isNull();
    assertThat(results.size()).isZero();
  }
}
