package io.servingkit.python;

import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Names and marks as daemons the threads of one Python model: {@code servingkit-python-<model>-<role>-<n>}. */
final class WorkerThreads implements ThreadFactory {
  private final ThreadFactory base = Executors.defaultThreadFactory();
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  WorkerThreads(String modelName, String role) {
    this.prefix = "servingkit-python-" + modelName + "-" + role + "-";
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = base.newThread(task);
    thread.setName(prefix + count.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
