package io.servingkit.paddle;

import ai.djl.BaseModel;
import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Translator;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotReadyException;
import io.servingkit.WorkerDiedException;
import io.servingkit.spi.DaemonThreads;
import io.servingkit.spi.SocketFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PaddlePaddle model loaded in a worker JVM of its own. {@link #load} starts the worker (DJL 0.27 and Paddle's
 * native library, ~660 MB resident for a small model) and waits until it has loaded the model; each predictor is
 * a connection to it, served there by a clone of the loaded predictor that shares its weights. When the worker
 * ends (a native crash), its predictors fail with {@link WorkerDiedException}, and the next predictor asked for
 * starts a new worker.
 *
 * <p>The model's private folder (the worker's socket and the links to its files) is a fresh temporary folder,
 * removed on {@link #close}.
 *
 * <p>Threading: {@link #newPredictor} may be called from several threads; {@link #close} once.
 */
final class PaddleModel extends BaseModel {

  private static final Logger LOG = LoggerFactory.getLogger(PaddleModel.class);
  /** System properties the worker inherits: where DJL keeps its caches, so that both sides agree. */
  private static final List<String> INHERITED_PROPERTIES = List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR");

  private final Device device;
  private final PaddleEngine engine;
  private final ReentrantLock lock = new ReentrantLock();
  private ModelFiles files;
  private volatile FeedSignature signature = FeedSignature.unknown();
  private WorkerOptions options;
  private Path folder;
  /** Where the worker's socket lives: in {@link #folder}, or a short private folder when that path is too deep. */
  private SocketFolder sockets;
  private ExecutorService io;
  private WorkerProcess process;
  private int starts;
  private boolean closed;

  PaddleModel(String name, Device device, PaddleEngine engine) {
    super(name);
    this.device = device == null ? Device.cpu() : device;
    this.engine = engine;
    manager = engine.newBaseManager(this.device);
    manager.setName("PaddleModel");
    dataType = DataType.FLOAT32;
  }

  /**
   * Finds the model's files, reads its declared inputs and starts its worker.
   *
   * @param prefix the file name prefix ({@code <prefix>.pdmodel}); the folder name when null
   * @param options see {@link WorkerOptions}
   * @throws java.io.FileNotFoundException when the folder holds no PaddlePaddle model
   * @throws ModelLoadException when the worker does not start or cannot load the model, with its last output
   */
  @Override
  public void load(Path modelPath, String prefix, Map<String, ?> options) throws IOException {
    try {
      start(modelPath, prefix, options);
    } catch (IOException | RuntimeException e) {
      close(); // DJL leaves a model that failed to load open
      throw e;
    }
  }

  private void start(Path modelPath, String prefix, Map<String, ?> options) throws IOException {
    if (device.isGpu()) {
      throw new ModelLoadException("the PaddlePaddle worker runs on the CPU only (its native library is the CPU build), not on " + device);
    }
    modelDir = modelPath.toAbsolutePath();
    Path name = modelDir.getFileName();
    String filePrefix = prefix != null ? prefix : name == null ? null : name.toString();
    ModelFiles found = ModelFiles.find(modelDir, filePrefix);
    WorkerOptions parsed = WorkerOptions.parse(options);
    FeedSignature declared;
    try {
      declared = FeedSignature.read(found.program());
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot read the inputs declared by {}; requests go to Paddle unchecked: {}", found.program(), e.toString());
      declared = FeedSignature.unknown();
    }
    lock.lock();
    try {
      if (process != null || closed) {
        throw new IllegalStateException("model " + modelName + " was " + (closed ? "closed" : "already loaded"));
      }
      files = found;
      signature = declared;
      this.options = parsed;
      folder = Files.createTempDirectory("servingkit-paddle-");
      sockets = SocketFolder.open(folder.resolve("s"));
      io = Executors.newCachedThreadPool(new DaemonThreads("servingkit-paddle-" + threadName(modelName) + "-output-"));
      process = startWorker();
      wasLoaded = true;
    } finally {
      lock.unlock();
    }
  }

  /** The inputs the program declares; requests are checked against them. */
  FeedSignature signature() {
    return signature;
  }

  /** Connects a new predictor to the worker, starting a new worker first when the last one ended. */
  @Override
  public <I, O> Predictor<I, O> newPredictor(Translator<I, O> translator, Device predictorDevice) {
    WorkerProcess worker = runningWorker();
    try {
      WorkerConnection connection = new WorkerConnection(worker.connect());
      return new PaddlePredictor<>(this, translator, predictorDevice, worker, connection);
    } catch (IOException e) {
      throw workerDied(worker, e);
    }
  }

  private WorkerProcess runningWorker() {
    lock.lock();
    try {
      if (closed || process == null) {
        throw new ModelNotReadyException("PaddlePaddle model " + modelName + " is " + (closed ? "closed" : "not loaded"));
      }
      if (!process.isAlive()) {
        LOG.warn("The PaddlePaddle worker of model {} (pid {}) stopped: {}; starting a new one", modelName, process.pid(),
            process.describeEnd());
        process.close();
        process = startWorker();
      }
      return process;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The failure of a request whose connection to {@code worker} broke: how the worker ended and its last output
   * (the REST layer shows the innermost message, so the I/O error is not attached). A worker that aborted
   * (SIGABRT: Paddle threw a C++ exception, nearly always about this request's input) is not worth a retry; one
   * killed from outside is.
   */
  WorkerDiedException workerDied(WorkerProcess worker, IOException cause) {
    LOG.debug("Connection to the PaddlePaddle worker of model {} broke", modelName, cause);
    String why = worker.describeEnd();
    return new WorkerDiedException(
        "the PaddlePaddle worker of model " + modelName + " stopped answering: " + why, null, !worker.aborted());
  }

  private WorkerProcess startWorker() {
    Path socket = sockets.path().resolve("worker-" + ++starts + ".sock");
    String label = "PaddlePaddle worker of model " + modelName;
    Map<String, String> environment = new LinkedHashMap<>();
    if (options.quietGlog()) {
      environment.put("GLOG_minloglevel", "2");
    }
    long start = System.nanoTime();
    WorkerProcess worker =
        WorkerProcess.start(command(socket), environment, socket, label, io, options.loadingTimeout());
    LOG.info("Loaded PaddlePaddle model {} from {} in a worker JVM in {} ms", modelName, files.program(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    return worker;
  }

  private List<String> command(Path socket) {
    WorkerPlugin plugin = engine.plugin();
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options.jvmOptions());
    command.add("-Dai.djl.offline=true"); // the worker's native library is in its class path: nothing to download
    for (String key : INHERITED_PROPERTIES) {
      String value = System.getProperty(key);
      if (value != null) {
        command.add("-D" + key + "=" + value);
      }
    }
    command.add("-Dorg.slf4j.simpleLogger.levelInBrackets=true");
    command.add("-Dorg.slf4j.simpleLogger.showThreadName=false");
    // DJL 0.27 probing for CUDA and explaining LD_LIBRARY_PATH to MKL users is noise for a CPU worker
    command.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda=error");
    command.add("-Dorg.slf4j.simpleLogger.log.ai.djl.util.Platform=warn");
    command.add("-Dorg.slf4j.simpleLogger.log.ai.djl.paddlepaddle.jni.LibUtils=warn");
    command.add("-classpath");
    command.add(plugin.classPath().stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator)));
    command.add(WorkerPlugin.MAIN_CLASS);
    command.add("--socket");
    command.add(socket.toString());
    command.add("--model-file");
    command.add(files.program().toString());
    command.add("--params-file");
    command.add(files.params().toString());
    command.add("--load-dir");
    command.add(folder.resolve("load-" + starts).toString());
    for (Map.Entry<String, String> option : options.paddleOptions().entrySet()) {
      command.add("--option");
      command.add(option.getKey() + "=" + option.getValue());
    }
    return command;
  }

  /** The running worker's process id, or -1; for tests and diagnostics. */
  long workerPid() {
    lock.lock();
    try {
      return process == null || !process.isAlive() ? -1 : process.pid();
    } finally {
      lock.unlock();
    }
  }

  /** The last lines the running worker printed; for tests and diagnostics. */
  String workerOutput() {
    lock.lock();
    try {
      return process == null ? "" : process.outputTail();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      cleanUp();
    } finally {
      lock.unlock();
      super.close();
    }
  }

  private void cleanUp() {
    if (process != null) {
      process.close();
      process = null;
    }
    if (io != null) {
      io.shutdown();
      try {
        if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
          io.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        io.shutdownNow();
      }
      io = null;
    }
    if (sockets != null) {
      sockets.close();
      sockets = null;
    }
    if (folder != null) {
      deleteTree(folder);
      folder = null;
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Cannot delete {}: {}", dir, e.toString());
    }
  }

  /** The model's name as it appears in thread names: at most 24 characters. */
  private static String threadName(String modelName) {
    return modelName.length() > 24 ? modelName.substring(0, 24) : modelName;
  }
}
