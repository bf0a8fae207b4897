package io.servingkit.python;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Python worker process: starts it, copies its output (stdout and stderr together) to the log with the
 * model and worker in each line while keeping the last lines, and stops it.
 *
 * <p>Threading: every method may be called from any thread.
 */
final class PythonProcess {
  private static final Logger log = LoggerFactory.getLogger(PythonProcess.class);
  /** How long a process asked to stop with SIGTERM (which prints its stacks) gets before SIGKILL. */
  static final Duration KILL_AFTER = Duration.ofSeconds(3);
  /** How long a gone process's remaining output may take to reach the log. */
  private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(1);

  private final Process process;
  /** The write end of the worker's stdin: the worker exits when it closes, which the kernel does if this JVM dies. */
  private final OutputStream stdin;
  private final String label;
  private final OutputTail tail = new OutputTail(60);
  private final Future<?> pump;

  private PythonProcess(Process process, String label, ExecutorService io) {
    this.process = process;
    this.stdin = process.getOutputStream();
    this.label = label;
    process.onExit().thenRun(this::closeStdin);
    this.pump = io.submit(this::copyOutput);
  }

  /**
   * Starts {@code command} in {@code dir}, its environment the inherited one plus {@code env}.
   *
   * @param label the model and worker, e.g. {@code echo worker 3}, put in every log line
   */
  static PythonProcess start(
      List<String> command, Map<String, String> env, Path dir, String label, ExecutorService io)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = Processes.start(builder);
    try {
      return new PythonProcess(process, label, io);
    } catch (RejectedExecutionException e) {
      process.destroyForcibly();
      throw new IOException("cannot watch the new Python process: " + e, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Runs {@code action} once the process has ended (at once when it already has). */
  void onExit(Runnable action) {
    process.onExit().thenRun(action);
  }

  /** The last lines the process printed. */
  String outputTail() {
    return tail.text();
  }

  /** How the process ended, e.g. {@code exit code 1} or {@code killed by signal 9}. */
  String exitDescription() {
    if (process.isAlive()) {
      return "still running";
    }
    int code = process.exitValue();
    return code > 128 && code < 160 ? "killed by signal " + (code - 128) : "exit code " + code;
  }

  /**
   * Asks the process to stop with SIGTERM, on which the worker prints every thread's stack to the log, and
   * kills it if it is still there after {@link #KILL_AFTER}. (Signals go through the process handle:
   * {@link Process#destroy()} would also close the output pipe and lose those last lines.)
   */
  void interrupt(ScheduledExecutorService timer) {
    process.toHandle().destroy();
    try {
      timer.schedule(this::kill, KILL_AFTER.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      kill();
    }
  }

  /** Kills the process and its descendants with SIGKILL. */
  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.toHandle().destroyForcibly();
  }

  /**
   * Stops the process within a bound: waits {@code grace} for it to leave by itself (its socket is already
   * closed), then SIGTERM, then SIGKILL after {@link #KILL_AFTER}; descendants it leaves are killed too.
   *
   * @return whether the process is gone
   */
  boolean stop(Duration grace) {
    List<ProcessHandle> descendants = process.descendants().toList();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.toHandle().destroy();
        if (!process.waitFor(KILL_AFTER.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{}: Python process {} ignored SIGTERM, killing it", label, process.pid());
          process.toHandle().destroyForcibly();
          process.waitFor(KILL_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.toHandle().destroyForcibly();
      Thread.currentThread().interrupt();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    releaseOutput();
    return !process.isAlive();
  }

  /** Releases the pipe once the worker is gone (closing it earlier would tell a live worker to exit). */
  private void closeStdin() {
    try {
      stdin.close();
    } catch (IOException e) {
      // the worker is gone already
    }
  }

  /** Waits at most {@code timeout} until the process has ended and all its output is in the log. */
  void awaitEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        pump.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the tail holds what was read so far
    }
  }

  /**
   * Ends the output copy of a process that is gone: it ends by itself at the pipe's end, unless a descendant
   * still holds the pipe open, in which case the pipe is closed after a short wait.
   */
  private void releaseOutput() {
    try {
      pump.get(OUTPUT_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      try {
        process.getInputStream().close();
      } catch (IOException ignored) {
        // the copy thread ends on the closed pipe either way
      }
    }
  }

  private void copyOutput() {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        tail.add(line);
        if (line.startsWith("ERROR ") || line.startsWith("CRITICAL ") || line.startsWith("Fatal Python error")) {
          log.error("{}: {}", label, line);
        } else if (line.startsWith("WARNING ")) {
          log.warn("{}: {}", label, line);
        } else {
          log.info("{}: {}", label, line);
        }
      }
    } catch (IOException e) {
      log.debug("{}: output closed: {}", label, e.toString());
    }
  }
}
