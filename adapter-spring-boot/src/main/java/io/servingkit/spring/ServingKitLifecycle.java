package io.servingkit.spring;

import io.servingkit.ModelDescription;
import io.servingkit.ModelServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Stops a {@link ModelServer} in Spring's shutdown, after the web server's graceful shutdown has let in-flight
 * requests finish and before the web server stops: waits until no model has a queued or running job (at most
 * {@code spring.lifecycle.timeout-per-shutdown-phase}), then closes the server. Jobs still there after the
 * wait fail as {@link ModelServer#close()} says.
 *
 * <p>Phase: {@value #PHASE}, between Spring Boot's graceful-shutdown lifecycle
 * ({@code SmartLifecycle.DEFAULT_PHASE - 1024}) and the web server's stop ({@code DEFAULT_PHASE - 2048}); beans
 * in higher phases (message listeners, schedulers at the default phase) stop first, so they stop submitting
 * before the server drains.
 *
 * <p>Threading: Spring calls start and stop from one thread at a time.
 */
public final class ServingKitLifecycle implements SmartLifecycle {

  /** The lifecycle phase: after graceful shutdown, before the web server stops. */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1536;

  private static final Logger LOG = LoggerFactory.getLogger(ServingKitLifecycle.class);

  private final ModelServer server;
  private final Duration drainTimeout;
  private volatile boolean running;

  /** Drains and closes {@code server}, waiting at most {@code drainTimeout} for its jobs. */
  public ServingKitLifecycle(ModelServer server, Duration drainTimeout) {
    this.server = server;
    this.drainTimeout = drainTimeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    try {
      while (busyJobs() > 0 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = busyJobs();
    if (left > 0) {
      LOG.warn("ServingKit: {} jobs still queued or running after {}; closing anyway", left, drainTimeout);
    }
    server.close();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** Jobs queued or running (busy workers) over every model; 0 once the server is closed. */
  private int busyJobs() {
    int busy = 0;
    for (ModelDescription model : server.list()) {
      busy += model.requestInQueue();
      for (ModelDescription.WorkerGroup group : model.workerGroups()) {
        busy += (int) group.workers().stream().filter(w -> "BUSY".equals(w.status())).count();
      }
    }
    return busy;
  }
}
