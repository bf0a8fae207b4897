package io.servingkit.paddle;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineProvider;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Registers the {@code PaddlePaddle} engine with DJL 0.36 (through {@code
 * META-INF/services/ai.djl.engine.EngineProvider}). DJL 0.36 has no PaddlePaddle engine of its own; this one runs
 * each model in a worker JVM on DJL 0.27's PaddlePaddle engine (see the package documentation), so that
 * {@code Criteria.builder().optEngine("PaddlePaddle")} and ServingKit's Java mode load {@code .pdmodel} folders.
 *
 * <p>Threading: {@link #getEngine()} may be called from any thread; the engine is created once per provider.
 */
public final class PaddleEngineProvider implements EngineProvider {

  private final ReentrantLock lock = new ReentrantLock();
  private volatile PaddleEngine engine;

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public PaddleEngineProvider() {}

  @Override
  public String getEngineName() {
    return PaddleEngine.ENGINE_NAME;
  }

  @Override
  public int getEngineRank() {
    return PaddleEngine.RANK;
  }

  @Override
  public Engine getEngine() {
    PaddleEngine e = engine;
    if (e == null) {
      lock.lock();
      try {
        e = engine;
        if (e == null) {
          e = new PaddleEngine();
          engine = e;
        }
      } finally {
        lock.unlock();
      }
    }
    return e;
  }
}
