package io.servingkit.examples.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each mode example's {@code demo.sh} as a user would (the packaged standalone server, curl, Debian's
 * python3), compares what it prints with its {@code expected-output.txt}, and checks that the example's README
 * shows that output verbatim, so neither the commands nor the README can rot.
 */
class ModeExamplesTest {
  private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();
  private static final Path LAUNCHER = ROOT.resolve("adapter-undertow/target/servingkit/bin/servingkit");
  private static final long DEMO_TIMEOUT_S = 300;

  @BeforeAll
  static void launcherIsBuilt() {
    if (!Files.isExecutable(LAUNCHER)) {
      fail(LAUNCHER + " is missing: run 'mvn -B -DskipTests package' from the repository root first (or run this"
          + " test through 'mvn verify', which packages adapter-undertow before it)");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"python-mode", "java-mode", "binary-mode"})
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void demoPrintsTheExpectedOutput(String example) throws Exception {
    int port = freePort();
    String actual = runDemo(example, port).replace("127.0.0.1:" + port, "127.0.0.1:8080");
    String expected = expectedOutput(example);
    Optional<String> difference = OutputComparison.difference(expected, actual);
    assertThat(difference)
        .as("examples/%s/demo.sh printed something else than expected-output.txt:%n%s", example, actual)
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"python-mode", "java-mode", "binary-mode"})
  void readmeShowsTheExpectedOutput(String example) throws IOException {
    String readme = Files.readString(ROOT.resolve("examples/" + example + "/README.md"));
    assertThat(readme)
        .as("examples/%s/README.md must show expected-output.txt in a ```console block", example)
        .contains("```console\n" + expectedOutput(example) + "```\n");
  }

  private static String expectedOutput(String example) throws IOException {
    return Files.readString(ROOT.resolve("examples/" + example + "/expected-output.txt"));
  }

  /** Runs {@code examples/<example>/demo.sh} on {@code port}; fails with its stderr unless it exits 0 in time. */
  private static String runDemo(String example, int port) throws IOException, InterruptedException {
    Path logs = Files.createDirectories(Path.of("target/demo-runs"));
    Path out = logs.resolve(example + ".out");
    Path err = logs.resolve(example + ".err");
    ProcessBuilder builder =
        new ProcessBuilder("sh", "examples/" + example + "/demo.sh")
            .directory(ROOT.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("PORT", String.valueOf(port));
    builder.environment().put("DEMO_TIMEOUT", "180");
    Process process = builder.start();
    boolean done;
    try {
      done = process.waitFor(DEMO_TIMEOUT_S, TimeUnit.SECONDS);
    } finally {
      if (process.isAlive()) {
        killTree(process.toHandle());
      }
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    if (!done) {
      fail("examples/%s/demo.sh did not finish in %d s; stderr:%n%s", example, DEMO_TIMEOUT_S, stderr);
    }
    if (process.exitValue() != 0) {
      fail("examples/%s/demo.sh exited with %d; stderr:%n%s%nstdout:%n%s",
          example, process.exitValue(), stderr, Files.readString(out));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** Kills a process and everything it started (the server and its Python workers), children first. */
  private static void killTree(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList());
    tree.add(root);
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : tree) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // reported by the caller's failure; nothing more to do here
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
