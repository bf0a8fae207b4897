package io.servingkit.servlet;

import ai.djl.engine.Engine;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts what a container shares between its applications — the DJL engines in its {@code lib/}, and Java's
 * image support they use — as the container's own, so that undeploying an application leaves nothing of it
 * behind.
 *
 * <p>Why: engines are JVM-wide. A native library loads once per JVM, and starting an engine may create
 * threads and JVM shutdown hooks (ONNX Runtime registers one holding its environment). A thread remembers who
 * created it — its context class loader and, up to Java 23, the protection domains of every class on the
 * creating stack — and so keeps an application's class loader, with every class and native copy it loaded,
 * alive after undeploy. Java's image support (used by DJL's image translators) likewise remembers the context
 * class loader of the first thread that touched it, for the life of the JVM.
 *
 * <p>So when DJL is not the application's own (it sits in the container's {@code lib/}, the way a WAR
 * redeploys cleanly), each engine DJL finds there is started once, before any model loads, on a thread of
 * the JVM's common pool — which the JDK creates with a clean context and the system class loader — running
 * a task made of method handles (a class of DJL's loader, not of this application), so no class of the
 * application is on the stack. When the WAR carries DJL itself, nothing is shared and nothing is done.
 *
 * <p>Threading: called from the container thread that starts the application; waits (bounded) for the
 * common-pool tasks.
 */
final class SharedEngines {

  private static final Logger LOG = LoggerFactory.getLogger(SharedEngines.class);
  private static final long START_TIMEOUT_SECONDS = 120;

  private SharedEngines() {}

  /** Starts every engine DJL can see (and Java's image support), when DJL is shared by the container. */
  static void startShared(ClassLoader application) {
    ClassLoader djl = Engine.class.getClassLoader();
    if (djl == null || !isAncestor(djl, application)) {
      return;
    }
    Map<String, Runnable> starts = new LinkedHashMap<>();
    Thread thread = Thread.currentThread();
    ClassLoader saved = thread.getContextClassLoader();
    // under DJL's loader: DJL finds its engine providers through the context class loader, and a proxy
    // for an interface of the JDK is defined in the context class loader
    thread.setContextClassLoader(djl);
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle getEngine =
          lookup.findStatic(Engine.class, "getEngine", MethodType.methodType(Engine.class, String.class));
      for (String name : Engine.getAllEngines()) {
        starts.put("DJL engine " + name, task(MethodHandles.insertArguments(getEngine, 0, name)));
      }
      MethodHandle imageSupport = imageSupport(lookup);
      if (imageSupport != null) {
        starts.put("Java image support", task(imageSupport));
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warn("Cannot prepare the container's shared DJL engines: {}", e.toString());
      return;
    } finally {
      thread.setContextClassLoader(saved);
    }
    for (Map.Entry<String, Runnable> start : starts.entrySet()) {
      run(start.getKey(), start.getValue());
    }
  }

  /** A Runnable that is a JDK proxy over {@code handle}, with no class of this application in it. */
  private static Runnable task(MethodHandle handle) {
    return MethodHandleProxies.asInterfaceInstance(Runnable.class, MethodHandles.dropReturn(handle));
  }

  /** {@code ImageIO.getCacheDirectory()}: the first use of Java's image support, or null without it. */
  private static MethodHandle imageSupport(MethodHandles.Lookup lookup) {
    try {
      Class<?> imageIo = Class.forName("javax.imageio.ImageIO", false, ClassLoader.getSystemClassLoader());
      return lookup.findStatic(imageIo, "getCacheDirectory", MethodType.methodType(java.io.File.class));
    } catch (ReflectiveOperationException | LinkageError e) {
      return null; // a runtime without java.desktop
    }
  }

  private static void run(String what, Runnable task) {
    try {
      ForkJoinPool.commonPool().submit(task).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      LOG.info("Started the container's shared {}", what);
    } catch (ExecutionException e) {
      LOG.warn("The container's {} did not start: {}", what, String.valueOf(e.getCause()));
    } catch (TimeoutException e) {
      LOG.warn("The container's {} did not start within {} s", what, START_TIMEOUT_SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether {@code ancestor} is a strict ancestor of {@code loader}. */
  static boolean isAncestor(ClassLoader ancestor, ClassLoader loader) {
    for (ClassLoader l = loader == null ? null : loader.getParent(); l != null; l = l.getParent()) {
      if (l == ancestor) {
        return true;
      }
    }
    return false;
  }
}
