package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import com.google.gson.JsonParser;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads against the real trained digits model through {@link ModelServer}: every job completes exactly
 * once with the same answer a single call gives, rejections are counted, and nothing is left running after
 * {@code close()}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ModelServerStressTest {
  @TempDir Path temp;
  private ModelServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    ThreadLeaks.assertNoneLeft();
  }

  private static Input image(int digit) {
    Input input = new Input();
    input.add(DigitImages.png(digit));
    return input;
  }

  private static String topClass(Output output) {
    return JsonParser.parseString(output.getData().getAsString())
        .getAsJsonArray()
        .get(0)
        .getAsJsonObject()
        .get("className")
        .getAsString();
  }

  @ParameterizedTest
  @CsvSource({"digits-pt, 1, 1000", "digits-pt, 8, 64", "digits-pt, 4, 16"})
  void everyJobCompletesExactlyOnceWithTheSingleCallAnswer(String model, int batchSize, int queueSize)
      throws Exception {
    Path dir = TestModels.copy(model, temp, "digits");
    server =
        ModelServer.builder()
            .workDir(temp.resolve("work"))
            .model(
                ModelSpec.parse("digits=file:" + dir)
                    .with("batch_size", Integer.toString(batchSize))
                    .with("max_batch_delay", "2")
                    .with("job_queue_size", Integer.toString(queueSize))
                    .with("minWorkers", "2")
                    .with("maxWorkers", "2"))
            .build();
    String[] single = new String[10];
    for (int d = 0; d < 10; d++) {
      single[d] = topClass(server.predict("digits", image(d)).get(30, TimeUnit.SECONDS));
      assertThat(single[d]).isEqualTo(Integer.toString(d));
    }

    int threads = 32;
    int perThread = 150;
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread c =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    int digit = (id + i) % 10;
                    try {
                      String answer = topClass(server.predict("digits", image(digit)).join());
                      if (answer.equals(single[digit])) {
                        ok.incrementAndGet();
                      } else {
                        wrong.add(digit + "->" + answer);
                      }
                    } catch (CompletionException e) {
                      if (e.getCause() instanceof QueueFullException) {
                        rejected.incrementAndGet();
                      } else {
                        wrong.add(String.valueOf(e.getCause()));
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
      c.join(TimeUnit.MINUTES.toMillis(3));
      assertThat(c.isAlive()).as("client finished in bounded time").isFalse();
    }
    assertThat(wrong).isEmpty();
    assertThat(ok.get() + rejected.get()).isEqualTo(threads * perThread);
    String metrics = server.scrapeMetrics();
    assertThat(metrics)
        .contains("servingkit_requests_total{model=\"digits\",outcome=\"success\",version=\"\"} " + (ok.get() + 10) + ".0")
        .contains("servingkit_requests_total{model=\"digits\",outcome=\"rejected\",version=\"\"} " + rejected.get() + ".0");
    if (queueSize >= threads) {
      assertThat(rejected).hasValue(0);
    }
  }
}
