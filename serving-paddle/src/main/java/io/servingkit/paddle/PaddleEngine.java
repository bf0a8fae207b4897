package io.servingkit.paddle;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code PaddlePaddle} engine of a DJL 0.36 JVM. A {@link PaddleModel} runs in a worker JVM of its own on DJL
 * 0.27's PaddlePaddle engine; on this side arrays are plain bytes ({@link PaddleNDArray}) and operators, when a
 * translator needs them, run on the alternative engine (the default DJL engine when it is another one, e.g.
 * PyTorch), as DJL's own PaddlePaddle engine did. {@code -Dai.djl.paddlepaddle.disable_alternative=true} keeps the
 * alternative engine from loading.
 *
 * <p>Rank 20: it becomes DJL's default engine only when it is the only one.
 *
 * <p>Threading: safe for concurrent use; the worker's files and the system manager are prepared once, on first use.
 */
final class PaddleEngine extends Engine {

  static final String ENGINE_NAME = "PaddlePaddle";
  static final int RANK = 20;
  private static final Logger LOG = LoggerFactory.getLogger(PaddleEngine.class);

  private final String version;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile PaddleNDManager systemManager;
  private volatile WorkerPlugin plugin;
  private volatile boolean alternativeChecked;
  private volatile Engine alternative;

  PaddleEngine() {
    Properties properties = new Properties();
    try (InputStream in = PaddleEngine.class.getResourceAsStream("engine.properties")) {
      if (in == null) {
        throw new IllegalStateException("serving-paddle is incomplete: io/servingkit/paddle/engine.properties is missing");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read io/servingkit/paddle/engine.properties", e);
    }
    version = properties.getProperty("paddle_version");
  }

  @Override
  public Engine getAlternativeEngine() {
    if (!alternativeChecked) {
      lock.lock();
      try {
        if (!alternativeChecked) {
          alternative = findAlternative();
          alternativeChecked = true;
        }
      } finally {
        lock.unlock();
      }
    }
    return alternative;
  }

  private Engine findAlternative() {
    if (Boolean.getBoolean("ai.djl.paddlepaddle.disable_alternative")) {
      return null;
    }
    try {
      Engine engine = Engine.getInstance();
      return engine.getRank() < RANK && !engine.getEngineName().equals(ENGINE_NAME) ? engine : null;
    } catch (RuntimeException e) {
      LOG.debug("No alternative engine for PaddlePaddle arrays: {}", e.toString());
      return null;
    }
  }

  @Override
  public String getEngineName() {
    return ENGINE_NAME;
  }

  @Override
  public int getRank() {
    return RANK;
  }

  @Override
  public String getVersion() {
    return version;
  }

  @Override
  public boolean hasCapability(String capability) {
    return false; // the worker's native library is the CPU build
  }

  @Override
  public Model newModel(String name, Device device) {
    return new PaddleModel(name, device, this);
  }

  @Override
  public NDManager newBaseManager() {
    return newBaseManager(null);
  }

  @Override
  public NDManager newBaseManager(Device device) {
    return systemManager().newSubManager(device);
  }

  /** The root manager: never closed, keeps nothing. */
  PaddleNDManager systemManager() {
    PaddleNDManager manager = systemManager;
    if (manager == null) {
      lock.lock();
      try {
        manager = systemManager;
        if (manager == null) {
          manager = PaddleNDManager.newSystemManager();
          systemManager = manager;
        }
      } finally {
        lock.unlock();
      }
    }
    return manager;
  }

  /** The worker's class path, extracted from this jar into DJL's engine cache folder on first use. */
  WorkerPlugin plugin() {
    WorkerPlugin p = plugin;
    if (p == null) {
      lock.lock();
      try {
        p = plugin;
        if (p == null) {
          p = WorkerPlugin.locate(PaddleEngine.class.getClassLoader(), Utils.getEngineCacheDir());
          plugin = p;
        }
      } finally {
        lock.unlock();
      }
    }
    return p;
  }

  @Override
  public String toString() {
    return ENGINE_NAME + ':' + version + " (worker JVM, DJL 0.27)";
  }
}
