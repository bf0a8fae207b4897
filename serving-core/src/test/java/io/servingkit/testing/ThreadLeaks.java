package io.servingkit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/** Checks that no thread a server started outlives it. */
public final class ThreadLeaks {
  private ThreadLeaks() {}

  /** The live threads named {@code servingkit-*}. */
  public static List<String> servingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-"))
        .toList();
  }

  /** Waits (up to 10 s) until no {@code servingkit-*} thread is alive, else fails naming them. */
  public static void assertNoneLeft() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(servingThreads()).isEmpty());
  }
}
