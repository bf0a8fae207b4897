package io.servingkit.paddle;

import io.servingkit.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PaddlePaddle worker JVM: starts it and waits until it says it is ready, copies its output (stdout and
 * stderr together) to the log while keeping the last lines, opens connections to its socket, and stops it.
 *
 * <p>The worker's standard input stays open for its whole life: when this JVM goes, even killed, the pipe closes
 * and the worker leaves by itself.
 *
 * <p>Threading: every method may be called from any thread.
 */
final class WorkerProcess implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);
  private static final Duration STOP_GRACE = Duration.ofSeconds(3);
  private static final Duration KILL_WAIT = Duration.ofSeconds(2);
  private static final String READY = "servingkit-paddle-worker ready";
  private static final int TAIL_LINES = 40;
  /** glog's line prefixes: severity letter, month and day. */
  private static final Pattern GLOG_ERROR = Pattern.compile("[EF]\\d{4} ");
  private static final Pattern GLOG_WARNING = Pattern.compile("W\\d{4} ");

  private final Process process;
  private final Path socket;
  private final String label;
  private final ArrayDeque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  private final Future<?> pump;

  private WorkerProcess(Process process, Path socket, String label, ExecutorService io) {
    this.process = process;
    this.socket = socket;
    this.label = label;
    this.pump = io.submit(this::copyOutput);
  }

  /**
   * Starts the worker and waits until its socket listens.
   *
   * @param label names the model in log lines and messages, e.g. {@code PaddlePaddle worker of model m}
   * @throws ModelLoadException when it cannot start, ends, or is not ready within {@code timeout}, with its last
   *     output
   */
  static WorkerProcess start(
      List<String> command, Map<String, String> environment, Path socket, String label, ExecutorService io, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new ModelLoadException("cannot start the " + label + " (" + command.get(0) + "): " + e.getMessage(), e);
    }
    WorkerProcess worker = new WorkerProcess(process, socket, label, io);
    worker.awaitReady(timeout);
    return worker;
  }

  private void awaitReady(Duration timeout) {
    boolean started = false;
    try {
      String line = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("{} is ready (pid {}, {})", label, process.pid(), line.substring(READY.length()).strip());
      started = true;
    } catch (TimeoutException e) {
      throw new ModelLoadException(
          label + " did not load the model within option.model_loading_timeout=" + timeout.toSeconds() + " s; its last output:\n"
              + outputTail(), e);
    } catch (ExecutionException e) {
      awaitEnd();
      throw new ModelLoadException(
          label + " ended (" + exitDescription() + ") before it loaded the model; its last output:\n" + outputTail(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ModelLoadException(label + ": interrupted while the model was loading", e);
    } finally {
      if (!started) {
        kill();
      }
    }
  }

  /** Opens a new connection to the worker's socket. */
  SocketChannel connect() throws IOException {
    return SocketChannel.open(UnixDomainSocketAddress.of(socket));
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /**
   * Why the worker stopped answering: how it ended and its last output, after waiting a little for both. For a
   * worker still running, says so.
   */
  String describeEnd() {
    awaitEnd();
    if (process.isAlive()) {
      return "it is still running";
    }
    return "it ended (" + exitDescription() + "); its last output:\n" + outputTail();
  }

  /** How the process ended, e.g. {@code exit code 1} or {@code killed by signal 6}. */
  String exitDescription() {
    if (process.isAlive()) {
      return "still running";
    }
    int code = process.exitValue();
    return code > 128 && code < 160 ? "killed by signal " + (code - 128) : "exit code " + code;
  }

  /** Whether the process ended by SIGABRT (an uncaught C++ exception ends in {@code std::terminate}). */
  boolean aborted() {
    return !process.isAlive() && process.exitValue() == 128 + 6;
  }

  String outputTail() {
    synchronized (tail) {
      return tail.isEmpty() ? "(no output)" : String.join("\n", tail);
    }
  }

  /**
   * Stops the worker within a bound: closes its standard input (it leaves by itself), then SIGTERM after {@link
   * #STOP_GRACE}, then SIGKILL.
   */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // the pipe is already gone: the worker sees the end of its input either way
    }
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} (pid {}) did not leave within {} s of its input closing; terminating it", label, process.pid(),
            STOP_GRACE.toSeconds());
        process.destroy();
        if (!process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          kill();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    awaitEnd();
    deleteSocket();
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteSocket();
  }

  /** Waits a little for the process to end and its output to reach the log. */
  private void awaitEnd() {
    try {
      if (process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        pump.get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the tail holds what was read so far
    }
  }

  private void deleteSocket() {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.debug("Cannot delete {}: {}", socket, e.toString());
    }
  }

  private void copyOutput() {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!ready.isDone() && line.startsWith(READY)) {
          ready.complete(line);
          continue;
        }
        synchronized (tail) {
          if (tail.size() == TAIL_LINES) {
            tail.removeFirst();
          }
          tail.addLast(line);
        }
        if (line.contains("[ERROR]") || line.startsWith("terminate called") || GLOG_ERROR.matcher(line).lookingAt()) {
          LOG.error("{}: {}", label, line);
        } else if (line.contains("[WARN]") || GLOG_WARNING.matcher(line).lookingAt()) {
          LOG.warn("{}: {}", label, line);
        } else {
          LOG.info("{}: {}", label, line);
        }
      }
    } catch (IOException e) {
      LOG.debug("{}: output closed: {}", label, e.toString());
    } finally {
      ready.completeExceptionally(new IOException(label + " closed its output"));
    }
  }
}
