package io.servingkit.paddle;

import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Names and marks as daemons the threads of one Paddle model: {@code servingkit-paddle-<model>-<role>-<n>}. */
final class PaddleThreads implements ThreadFactory {
  private final ThreadFactory base = Executors.defaultThreadFactory();
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  PaddleThreads(String modelName, String role) {
    String name = modelName.length() > 24 ? modelName.substring(0, 24) : modelName;
    this.prefix = "servingkit-paddle-" + name + "-" + role + "-";
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = base.newThread(task);
    thread.setName(prefix + count.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
