package io.servingkit.servlet;

import jakarta.servlet.Servlet;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** A real servlet container on a free loopback port, running one servlet from the test's classes. */
abstract class EmbeddedContainer implements AutoCloseable {

  /** Which container. */
  enum Kind {
    TOMCAT,
    JETTY
  }

  /** How to mount the servlet. */
  record Mount(String contextPath, String mapping, boolean asyncSupported, int maxThreads) {
    static Mount root() {
      return new Mount("", "/*", true, 0);
    }

    Mount threads(int n) {
      return new Mount(contextPath, mapping, asyncSupported, n);
    }

    /** The URL prefix of the API's paths. */
    String prefix() {
      String m = mapping.endsWith("/*") ? mapping.substring(0, mapping.length() - 2) : "";
      return contextPath + m;
    }
  }

  /** The base URL: requests go to {@code base() + "/ping"}. */
  abstract URI base();

  abstract int port();

  /** Stops the container; a failure to stop fails the test. */
  @Override
  public abstract void close();

  static void stopping(ThrowingRunnable stop) {
    try {
      stop.run();
    } catch (Exception e) {
      throw new IllegalStateException("the container did not stop cleanly", e);
    }
  }

  /** A stop step. */
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static EmbeddedContainer start(Kind kind, Servlet servlet, Mount mount) throws Exception {
    return start(kind, servlet, mount, null);
  }

  /**
   * Starts a container whose connector drops a connection idle for {@code idleTimeout} (Tomcat's
   * {@code connectionTimeout}, Jetty's connector {@code idleTimeout}); null keeps the container's default.
   */
  static EmbeddedContainer start(Kind kind, Servlet servlet, Mount mount, Duration idleTimeout) throws Exception {
    return start(kind, servlet, mount, idleTimeout, "127.0.0.1");
  }

  /** As {@link #start(Kind, Servlet, Mount, Duration)}, listening on {@code host} (an IPv4 literal of this machine). */
  static EmbeddedContainer start(Kind kind, Servlet servlet, Mount mount, Duration idleTimeout, String host)
      throws Exception {
    return kind == Kind.TOMCAT
        ? startTomcat(servlet, mount, idleTimeout, host)
        : startJetty(servlet, mount, idleTimeout, host);
  }

  private static EmbeddedContainer startTomcat(Servlet servlet, Mount mount, Duration idleTimeout, String host)
      throws Exception {
    Path base = Files.createTempDirectory("servingkit-tomcat-");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", host);
    if (idleTimeout != null) {
      connector.setProperty("connectionTimeout", Long.toString(idleTimeout.toMillis()));
    }
    if (mount.maxThreads() > 0) {
      connector.setProperty("maxThreads", Integer.toString(mount.maxThreads()));
      connector.setProperty("minSpareThreads", Integer.toString(mount.maxThreads()));
    }
    tomcat.setConnector(connector);
    Context context = tomcat.addContext(mount.contextPath(), base.toString());
    Wrapper wrapper = Tomcat.addServlet(context, "serving", servlet);
    wrapper.setAsyncSupported(mount.asyncSupported());
    wrapper.addMapping(mount.mapping());
    tomcat.start();
    int port = connector.getLocalPort();
    return new EmbeddedContainer() {
      @Override
      URI base() {
        return URI.create("http://" + host + ":" + port + mount.prefix());
      }

      @Override
      int port() {
        return port;
      }

      @Override
      public void close() {
        stopping(
            () -> {
              tomcat.stop();
              tomcat.destroy();
            });
        deleteTree(base.toFile());
      }
    };
  }

  private static EmbeddedContainer startJetty(Servlet servlet, Mount mount, Duration idleTimeout, String host)
      throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(mount.maxThreads() > 0 ? mount.maxThreads() : 50);
    threads.setName("jetty-test");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(0);
    if (idleTimeout != null) {
      connector.setIdleTimeout(idleTimeout.toMillis());
    }
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(mount.contextPath().isEmpty() ? "/" : mount.contextPath());
    ServletHolder holder = new ServletHolder("serving", servlet);
    holder.setAsyncSupported(mount.asyncSupported());
    context.addServlet(holder, mount.mapping());
    server.setHandler(context);
    server.start();
    int port = connector.getLocalPort();
    return new EmbeddedContainer() {
      @Override
      URI base() {
        return URI.create("http://" + host + ":" + port + mount.prefix());
      }

      @Override
      int port() {
        return port;
      }

      @Override
      public void close() {
        stopping(server::stop);
      }
    };
  }

  static void deleteTree(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteTree(c);
      }
    }
    f.delete();
  }
}
