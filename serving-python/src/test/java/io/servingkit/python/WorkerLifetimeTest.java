package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Python workers can neither be stranded by a deep work folder nor outlive the server that started them. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorkerLifetimeTest {

  @TempDir Path temp;

  @Test
  void aWorkFolderTooDeepForSocketPathsStillServes() throws Exception {
    Path deep = temp.resolve("a".repeat(60)).resolve("b".repeat(60)).resolve("work");
    assertThat(deep.resolve("python-sockets/ab12cd-1-1.sock").toString().getBytes(StandardCharsets.UTF_8).length)
        .isGreaterThan(107);
    PythonModel model = PythonTestModels.load("echo", deep);
    Path socket;
    try (OneWorker one = new OneWorker(model, model.newWorker(1))) {
      assertThat(body(single(one.worker().predict(List.of(text("deep")))))).isEqualTo("deep");
      socket = model.newSocketPath(9);
      assertThat(socket.toString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(107);
      assertThat(socket.getParent().getParent()).isEqualTo(Path.of("/tmp"));
    }
    assertThat(socket.getParent()).doesNotExist();
  }

  @Test
  void aWorkerDiesWithItsServerWhenTheJvmIsKilledMidRequest() throws Exception {
    Path marker = temp.resolve("busy.pid");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                KilledServerMain.class.getName(),
                PythonTestModels.folder("busy").toString(),
                marker.toString(),
                temp.resolve("work").toString())
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("server.log").toFile());
    Process server = builder.start();
    long workerPid;
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!Files.exists(marker) || Files.readString(marker).isBlank()) {
        assertThat(server.isAlive()).as("server JVM ended early:\n%s", log()).isTrue();
        assertThat(System.nanoTime()).as("no busy handler:\n%s", log()).isLessThan(deadline);
        Thread.sleep(50);
      }
      workerPid = Long.parseLong(Files.readString(marker).strip());
      Optional<ProcessHandle> worker = ProcessHandle.of(workerPid);
      assertThat(worker).isPresent();
      assertThat(worker.get().isAlive()).isTrue();
      assertThat(server.descendants().mapToLong(ProcessHandle::pid)).contains(workerPid);
    } finally {
      server.destroyForcibly(); // SIGKILL: no shutdown hook, no close(), nothing but the kernel
    }
    assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(server.exitValue()).isEqualTo(137);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (ProcessHandle.of(workerPid).map(ProcessHandle::isAlive).orElse(false)) {
      assertThat(System.nanoTime())
          .as("Python worker %d still alive 10 s after its server was killed", workerPid)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private String log() throws Exception {
    File f = temp.resolve("server.log").toFile();
    return f.exists() ? Files.readString(f.toPath()) : "";
  }
}
