package io.servingkit.internal.metrics;

import io.servingkit.ServingListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans events out to listeners; a listener that throws is logged and never breaks serving. */
public final class ListenerGuard implements ServingListener {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerGuard.class);
  private final List<ServingListener> listeners;

  /** Fans out to {@code listeners}, in order. */
  public ListenerGuard(List<ServingListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(java.util.function.Consumer<ServingListener> event) {
    for (ServingListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("Serving listener {} threw", listener, e);
      }
    }
  }

  @Override
  public void jobQueued(String model, String version) {
    each(l -> l.jobQueued(model, version));
  }

  @Override
  public void jobRejected(String model, String version) {
    each(l -> l.jobRejected(model, version));
  }

  @Override
  public void batchStarted(String model, String version, int workerId, int size) {
    each(l -> l.batchStarted(model, version, workerId, size));
  }

  @Override
  public void batchFinished(
      String model, String version, int workerId, int size, long inferenceNanos, boolean success) {
    each(l -> l.batchFinished(model, version, workerId, size, inferenceNanos, success));
  }

  @Override
  public void jobCompleted(String model, String version, long queueNanos, long inferenceNanos) {
    each(l -> l.jobCompleted(model, version, queueNanos, inferenceNanos));
  }

  @Override
  public void jobFailed(String model, String version, Throwable failure) {
    each(l -> l.jobFailed(model, version, failure));
  }

  @Override
  public void workerStarted(String model, String version, String device, int workerId) {
    each(l -> l.workerStarted(model, version, device, workerId));
  }

  @Override
  public void workerStopped(String model, String version, String device, int workerId, String reason) {
    each(l -> l.workerStopped(model, version, device, workerId, reason));
  }
}
