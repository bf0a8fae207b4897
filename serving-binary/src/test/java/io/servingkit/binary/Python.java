package io.servingkit.binary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's Python ({@code /usr/bin/python3}, with numpy and torch) for interoperability tests. */
final class Python {
  static final String EXECUTABLE = "/usr/bin/python3";

  private Python() {}

  /**
   * Runs a script from the test resources with arguments, waits at most {@code timeoutSeconds}, and returns its
   * output; fails the test when it exits non-zero or times out.
   */
  static String run(String resource, Path workDir, long timeoutSeconds, String... args) {
    try {
      Path script = workDir.resolve(Path.of(resource).getFileName().toString());
      try (InputStream in = Python.class.getResourceAsStream(resource)) {
        assertThat(in).as("resource %s", resource).isNotNull();
        Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      List<String> command = new ArrayList<>(List.of(EXECUTABLE, script.toString()));
      command.addAll(List.of(args));
      Path log = workDir.resolve("python-" + System.nanoTime() + ".log");
      Process process =
          new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean done = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!done) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(done).as("python %s finished within %d s; output:%n%s", args, timeoutSeconds, output).isTrue();
      assertThat(process.exitValue()).as("python %s exit code; output:%n%s", args, output).isZero();
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
