package io.servingkit.python;

import java.io.IOException;

/** Starts processes without lending them the caller's context class loader. */
final class Processes {

  private Processes() {}

  /**
   * Starts {@code builder}'s process. The JDK watches every process with a "process reaper" thread that it
   * creates, when none is idle, on the thread that starts the process, and that thread inherits the caller's
   * context class loader. Inside a servlet container that loader is the web application's, and an idle reaper
   * keeps it — every class of the application — alive after undeploy, for as long as processes keep
   * starting. So the process is started with no context class loader.
   */
  static Process start(ProcessBuilder builder) throws IOException {
    Thread thread = Thread.currentThread();
    ClassLoader saved = thread.getContextClassLoader();
    thread.setContextClassLoader(null);
    try {
      return builder.start();
    } finally {
      thread.setContextClassLoader(saved);
    }
  }
}
