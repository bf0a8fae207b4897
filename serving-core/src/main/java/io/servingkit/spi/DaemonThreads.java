package io.servingkit.spi;

import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread factory of every executor a ServingKit part owns (a server's workers, a mode's IO and timer threads,
 * an adapter's stream pumps): threads as {@link Executors#defaultThreadFactory()} makes them, but daemons and named
 * {@code <prefix><n>}, so that a leak check can find them by name. It starts nothing itself: whoever creates the
 * executor owns it and shuts it down.
 */
public final class DaemonThreads implements ThreadFactory {
  private final ThreadFactory base = Executors.defaultThreadFactory();
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();

  /** Threads named {@code prefix + n}, n counting from 1; the prefix should start with {@code servingkit-}. */
  public DaemonThreads(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = base.newThread(task);
    thread.setName(prefix + count.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  }
}
