package io.servingkit.undertow;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The standalone server running as a child process, its output captured in files. {@link #close()} ends it
 * (SIGTERM, then SIGKILL after 30 s) if it still runs.
 */
final class ServerProcess implements AutoCloseable {

  private static final Pattern ADDRESS = Pattern.compile("http://[0-9.\\[\\]:a-f]+:(\\d+)");
  static final Duration WAIT = Duration.ofSeconds(90);

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ServerProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Runs {@code ServingKitCli} in a new JVM on this test's class path. */
  static ServerProcess java(Path workDir, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xss2m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ServingKitCli.class.getName());
    command.addAll(List.of(args));
    return start(command, workDir, workDir, env);
  }

  /** Runs a launcher script in {@code workDir}, its output captured in {@code logDir}. */
  static ServerProcess launcher(Path script, Path workDir, Path logDir, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(List.of(args));
    return start(command, workDir, logDir, env);
  }

  private static ServerProcess start(List<String> command, Path workDir, Path logDir, Map<String, String> env)
      throws IOException {
    Path out = Files.createTempFile(logDir, "stdout-", ".txt");
    Path err = Files.createTempFile(logDir, "stderr-", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SERVING_") || k.startsWith("OPTION_") || k.startsWith("ARGS_"));
    pb.environment().putAll(env);
    return new ServerProcess(pb.start(), out, err);
  }

  /** Waits until the server printed its addresses; returns them (inference first). */
  List<URI> awaitAddresses() {
    Awaitility.await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> stdout().contains("Try:") || !process.isAlive());
    if (!stdout().contains("Try:")) {
      throw new AssertionError("server did not start (exit " + process.exitValue() + "):\n" + stdout() + stderr());
    }
    String first =
        stdout().lines().filter(l -> l.startsWith("ServingKit ")).findFirst().orElseThrow();
    Matcher m = ADDRESS.matcher(first);
    List<URI> uris = new ArrayList<>();
    while (m.find()) {
      uris.add(URI.create(m.group()));
    }
    return uris;
  }

  /** Waits until the server listens (its startup models may still be loading); returns the first address. */
  URI awaitListening() {
    Awaitility.await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> stdout().contains("Starting: listening on") || !process.isAlive());
    String line = stdout().lines().filter(l -> l.startsWith("Starting: listening on")).findFirst()
        .orElseThrow(() -> new AssertionError("server did not listen:\n" + stdout() + stderr()));
    Matcher m = ADDRESS.matcher(line);
    if (!m.find()) {
      throw new AssertionError("no address in " + line);
    }
    return URI.create(m.group());
  }

  /** Waits (bounded) for the process to end; returns its exit code. */
  int awaitExit() throws InterruptedException {
    return awaitExit(WAIT);
  }

  /** Waits up to {@code bound} for the process to end; returns its exit code. */
  int awaitExit(Duration bound) throws InterruptedException {
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("server still running after " + bound + ":\n" + stdout() + stderr());
    }
    return process.exitValue();
  }

  /** The process id (the JVM's: the launcher script execs java). */
  long pid() {
    return process.pid();
  }

  /** Sends SIGKILL. */
  void kill() {
    process.destroyForcibly();
  }

  /** Sends SIGTERM. */
  void terminate() {
    process.destroy();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<unreadable: " + e + ">";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
