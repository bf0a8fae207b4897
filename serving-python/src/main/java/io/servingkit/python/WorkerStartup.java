package io.servingkit.python;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts one Python worker: listens on a fresh socket, starts the process, accepts its connection and sends
 * the initialisation call, all within {@code option.model_loading_timeout}. On any failure the process is
 * killed and the load fails with what explains it: the traceback, or the process's last output (after a
 * timeout that includes the stack it printed on SIGTERM).
 */
final class WorkerStartup {
  /** How long a failed start waits for the process's last words (such as the stack printed on SIGTERM). */
  private static final Duration LAST_WORDS = PythonProcess.KILL_AFTER.plusSeconds(1);

  private WorkerStartup() {}

  /**
   * Starts a Python process, waits for it to connect and answers its initialisation call, all within
   * {@code option.model_loading_timeout}.
   *
   * @throws ModelLoadException with the Python traceback or the process's last output when it fails
   */
  static PythonWorker start(PythonModel model, int workerId) {
    try {
      return startProcess(model, workerId);
    } catch (ModelLoadException e) {
      String pip = model.requirementsFailure();
      if (pip == null) {
        throw e;
      }
      // the handler may need what pip could not install: say so next to the handler's own failure
      throw new ModelLoadException(e.getMessage() + "\nrequirements.txt did not install: " + pip, e);
    }
  }

  private static PythonWorker startProcess(PythonModel model, int workerId) {
    String label = "model " + model.name() + " worker " + workerId;
    Path socket = model.newSocketPath(workerId);
    ServerSocketChannel server;
    try {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot listen on " + socket + ": " + e.getMessage(), e);
    }
    PythonProcess process;
    try {
      process = PythonProcess.start(
          model.command(socket), model.environment(), model.modelDir(), label, model.io());
    } catch (IOException e) {
      closeQuietly(server, socket);
      throw new ModelLoadException(
          label + ": cannot start Python (option.pythonExecutable=" + model.options().pythonExecutable()
              + "): " + e.getMessage(), e);
    }
    AtomicBoolean loadTimedOut = new AtomicBoolean();
    AtomicReference<WorkerConnection> connection = new AtomicReference<>();
    Runnable abort = () -> {
      closeQuietly(server, null);
      WorkerConnection open = connection.get();
      if (open != null) {
        open.close();
      }
    };
    process.onExit(abort);
    model.starting(process);
    Duration limit = model.options().loadingTimeout();
    ScheduledFuture<?> deadline = null;
    boolean started = false;
    try {
      deadline = model.timer().schedule(() -> {
        loadTimedOut.set(true);
        abort.run();
        process.interrupt(model.timer());
      }, limit.toMillis(), TimeUnit.MILLISECONDS);
      SocketChannel channel = server.accept();
      connection.set(new WorkerConnection(channel));
      closeQuietly(server, socket);
      if (loadTimedOut.get() || !process.isAlive()) {
        connection.get().close();
      }
      PythonWorker worker = new PythonWorker(model, label, process, connection.get());
      worker.initialize();
      deadline.cancel(false);
      if (loadTimedOut.get()) {
        throw new IOException("timed out");
      }
      process.onExit(worker::processEnded);
      started = true;
      return worker;
    } catch (RejectedExecutionException e) {
      throw new ModelLoadException(label + ": the model was closed while the worker started", e);
    } catch (IOException e) {
      process.awaitEnd(LAST_WORDS);
      String why = loadTimedOut.get()
          ? "did not finish loading within option.model_loading_timeout=" + PythonOptions.words(limit)
          : "Python process ended (" + process.exitDescription() + ") before it finished loading";
      throw new ModelLoadException(label + " " + why + "; its last output:\n" + process.outputTail(), e);
    } finally {
      model.started(process);
      if (!started) {
        if (deadline != null) {
          deadline.cancel(false);
        }
        abort.run();
        process.kill();
      }
      closeQuietly(server, socket);
    }
  }

  private static void closeQuietly(ServerSocketChannel server, Path socket) {
    try {
      server.close();
      if (socket != null) {
        Files.deleteIfExists(socket);
      }
    } catch (IOException e) {
      // the socket file lives in the model's private folder, removed with it
    }
  }
}
