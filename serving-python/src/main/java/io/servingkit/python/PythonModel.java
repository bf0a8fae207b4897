package io.servingkit.python;

import ai.djl.Device;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSignature;
import io.servingkit.spi.DaemonThreads;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Python-mode model on one device: its prepared interpreter, the command and environment its workers
 * start with, and the threads they share (a timer for timeouts, an executor that copies process output and
 * streamed answers).
 *
 * <p>Threading: {@link #newWorker} may be called from several threads; {@link #close} once, after the
 * workers were closed (it closes any that were not).
 */
final class PythonModel implements LoadedModel {
  private static final Logger log = LoggerFactory.getLogger(PythonModel.class);
  /** A Unix socket path holds at most 107 bytes on Linux. */
  private static final int MAX_SOCKET_PATH = 107;
  private static final Duration WATCHDOG_PERIOD = Duration.ofMillis(100);

  private final String name;
  private final Path modelDir;
  private final PythonOptions options;
  private final List<String> commandHead;
  private final List<String> commandTail;
  private final Map<String, String> environment;
  private final Path socketDir;
  private final String socketToken;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor io;
  private final AtomicInteger sockets = new AtomicInteger();
  private final Set<PythonWorker> workers = ConcurrentHashMap.newKeySet();
  private final Set<PythonProcess> startingProcesses = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ModelSignature signature;
  private final String requirementsFailure;

  private PythonModel(
      String name,
      Path modelDir,
      PythonOptions options,
      PythonEnvironment pythonEnv,
      Path libDir,
      Path socketDir,
      Path sessionsDir,
      Device device,
      ScheduledThreadPoolExecutor timer,
      ThreadPoolExecutor io,
      ModelSignature signature) {
    this.name = name;
    this.signature = signature;
    this.modelDir = modelDir;
    this.options = options;
    this.socketDir = socketDir;
    this.timer = timer;
    this.io = io;
    this.socketToken = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    this.commandHead = List.of(pythonEnv.executable(), "-u", "-m", "servingkit_worker", "--socket");
    this.commandTail = List.of(
        "--model-dir", modelDir.toString(),
        "--entry-point", options.entryPoint(),
        "--handler", options.handler(),
        "--device-id", String.valueOf(device.getDeviceId()));
    this.environment = environment(options, pythonEnv, libDir, modelDir, sessionsDir);
    this.requirementsFailure = pythonEnv.requirementsFailure();
    timer.scheduleWithFixedDelay(
        this::checkDeadlines, WATCHDOG_PERIOD.toMillis(), WATCHDOG_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The watchdog: fails the calls that ran past option.predict_timeout (checked every 100 ms). */
  private void checkDeadlines() {
    long now = System.nanoTime();
    for (PythonWorker worker : workers) {
      try {
        worker.checkDeadline(now);
      } catch (RuntimeException e) {  // a periodic task that throws is never run again
        log.warn("model {}: predict_timeout check failed", name, e);
      }
    }
  }

  /**
   * Prepares a model: extracts the Python package, creates the venv and installs requirements when asked.
   * Workers start later, in {@link #newWorker}.
   */
  static PythonModel load(ModelContext context, Device device, PythonOptions options, boolean offline) {
    String name = context.spec().name();
    ModelSignature signature = context.signature();
    Path modelDir = context.modelDir().toAbsolutePath();
    Path workDir = context.workDir().toAbsolutePath();
    String threadName = name.length() > 24 ? name.substring(0, 24) : name;
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, new DaemonThreads("servingkit-python-" + threadName + "-timer-"));
    timer.setRemoveOnCancelPolicy(true);
    ThreadPoolExecutor io = new ThreadPoolExecutor(
        0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        new DaemonThreads("servingkit-python-" + threadName + "-io-"));
    try {
      Path libDir = BundledPython.extract(workDir);
      String deviceName = device.getDeviceType() + (device.getDeviceId() < 0 ? "" : device.getDeviceId());
      String key = safeName(name) + "-" + deviceName;
      PythonEnvironment pythonEnv =
          PythonEnvironment.prepare(options, modelDir, workDir, key, name, offline, timer);
      Path socketDir = privateFolder(workDir.resolve("python-sockets"));
      PythonModel model =
          new PythonModel(name, modelDir, options, pythonEnv, libDir, socketDir,
              workDir.resolve("python-sessions").resolve(key), device, timer, io, signature);
      log.info("model {}: Python mode ready: {} runs {}, function {}", name, pythonEnv.executable(),
          options.entryPoint(), options.handler());
      return model;
    } catch (RuntimeException e) {
      timer.shutdownNow();
      io.shutdownNow();
      throw e;
    }
  }

  /** From {@code v2.inputs} / {@code v2.outputs} in serving.properties: a Python handler declares nothing else. */
  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public ModelWorker newWorker(int workerId) {
    if (closed.get()) {
      throw new ModelLoadException("model " + name + " is closed; it cannot start workers");
    }
    PythonWorker worker = WorkerStartup.start(this, workerId);
    workers.add(worker);
    if (closed.get()) {
      worker.close();
      throw new ModelLoadException("model " + name + " was closed while worker " + workerId + " started");
    }
    return worker;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (PythonWorker worker : new ArrayList<>(workers)) {
      worker.close();
    }
    startingProcesses.forEach(PythonProcess::kill);
    timer.shutdownNow();
    io.shutdown();
    try {
      if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String name() {
    return name;
  }

  Path modelDir() {
    return modelDir;
  }

  PythonOptions options() {
    return options;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  ExecutorService io() {
    return io;
  }

  /** What pip said when {@code requirements.txt} failed to install, else null. */
  String requirementsFailure() {
    return requirementsFailure;
  }

  Map<String, String> environment() {
    return environment;
  }

  void forget(PythonWorker worker) {
    workers.remove(worker);
  }

  /** A worker process is starting: {@link #close} kills it if it is still starting then. */
  void starting(PythonProcess process) {
    startingProcesses.add(process);
    if (closed.get()) {
      process.kill();
    }
  }

  void started(PythonProcess process) {
    startingProcesses.remove(process);
  }

  /** The worker command for a socket path. */
  List<String> command(Path socket) {
    List<String> command = new ArrayList<>(commandHead);
    command.add(socket.toString());
    command.addAll(commandTail);
    return command;
  }

  /** A fresh socket path in the model's private socket folder. */
  Path newSocketPath(int workerId) {
    Path socket = socketDir.resolve(socketToken + "-" + workerId + "-" + sockets.incrementAndGet() + ".sock");
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_SOCKET_PATH) {
      throw new ModelLoadException(
          "model " + name + ": the worker socket path " + socket + " is " + length
              + " bytes, over the system limit of " + MAX_SOCKET_PATH + "; use a shorter server work folder");
    }
    return socket;
  }

  /**
   * The additions to the worker environment: {@code PYTHONPATH} (our package, installed requirements, the
   * model folder, then any {@code PYTHONPATH} from {@code option.env}), one BLAS/OpenMP thread unless
   * {@code option.env} says otherwise, the rest of {@code option.env}, and {@code SERVINGKIT_SESSIONS_PATH}: this
   * model's own folder in this server's work folder, where {@code djl_python.SessionManager} keeps sessions unless
   * the handler's properties name {@code sessions_path} (DJL Serving uses {@code /dev/shm/djl_sessions}, shared by
   * every server on the machine).
   */
  private static Map<String, String> environment(
      PythonOptions options, PythonEnvironment pythonEnv, Path libDir, Path modelDir, Path sessionsDir) {
    List<String> path = new ArrayList<>();
    path.add(libDir.toString());
    pythonEnv.importPaths().forEach(p -> path.add(p.toString()));
    path.add(modelDir.toString());
    String extra = options.env().get("PYTHONPATH");
    if (extra != null && !extra.isBlank()) {
      path.add(extra);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("OMP_NUM_THREADS", "1");
    env.put("OPENBLAS_NUM_THREADS", "1");
    env.put("SERVINGKIT_SESSIONS_PATH", sessionsDir.toString());
    env.putAll(options.env());
    env.put("PYTHONPATH", String.join(File.pathSeparator, path));
    return Collections.unmodifiableMap(env);
  }

  private static Path privateFolder(Path folder) {
    try {
      Files.createDirectories(folder.getParent());
      try {
        Files.createDirectory(folder,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        // made by another model of this server
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(folder);
      }
      return folder;
    } catch (IOException e) {
      throw new ModelLoadException("cannot create the socket folder " + folder + ": " + e, e);
    }
  }

  private static String safeName(String text) {
    String safe = text.replaceAll("[^A-Za-z0-9_.-]", "_");
    return safe.length() > 32 ? safe.substring(0, 32) : safe;
  }
}
