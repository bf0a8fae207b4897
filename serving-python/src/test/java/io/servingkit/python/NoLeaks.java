package io.servingkit.python;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test that leaves a child process of this JVM or a servingkit-python thread behind. */
final class NoLeaks implements AfterEachCallback {

  @Override
  public void afterEach(ExtensionContext context) {
    await("child processes of the test JVM to end")
        .atMost(Duration.ofSeconds(10))
        .until(() -> livingChildren().isEmpty());
    await("servingkit-python threads to end")
        .atMost(Duration.ofSeconds(10))
        .until(() -> pythonThreads().isEmpty());
  }

  static List<ProcessHandle> livingChildren() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
  }

  static List<String> pythonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith("servingkit-python-"))
        .toList();
  }
}
