package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/** Checks that no thread a server started outlives it. */
final class ThreadLeaks {
  private ThreadLeaks() {}

  static List<String> servingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-"))
        .toList();
  }

  static void assertNoneLeft() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(servingThreads()).isEmpty());
  }
}
