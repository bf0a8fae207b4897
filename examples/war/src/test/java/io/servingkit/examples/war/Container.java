package io.servingkit.examples.war;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.JreMemoryLeakPreventionListener;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/**
 * A real servlet container on a free loopback port that deploys and undeploys WAR files, as an operator
 * would: Tomcat 11 (the WAR is expanded into the host's appBase) or Jetty 12 ee10 (the WAR is extracted into
 * a temporary folder).
 */
abstract class Container implements AutoCloseable {

  /** Which container. */
  enum Kind {
    TOMCAT,
    JETTY
  }

  /**
   * A deployed application.
   *
   * @param name the container's name for it
   * @param started whether it started (a failing listener fails the deployment)
   * @param classLoader its class loader, weakly held: after undeploy it must be collectable
   */
  record Deployment(String name, boolean started, WeakReference<ClassLoader> classLoader) {}

  abstract int port();

  /** Deploys {@code war} at {@code contextPath} and starts it. */
  abstract Deployment deploy(Path war, String contextPath) throws Exception;

  /** Stops and removes a deployed application. */
  abstract void undeploy(Deployment deployment) throws Exception;

  @Override
  public abstract void close();

  static Container start(Kind kind, Path workDir) throws Exception {
    return kind == Kind.TOMCAT ? new TomcatContainer(workDir) : new JettyContainer(workDir);
  }

  private static final class TomcatContainer extends Container {
    private final Tomcat tomcat = new Tomcat();
    private final Connector connector = new Connector();

    TomcatContainer(Path workDir) throws Exception {
      tomcat.setBaseDir(workDir.toString());
      Files.createDirectories(workDir.resolve("webapps"));
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP engine here; the WAR needs none
      ((StandardHost) tomcat.getHost()).setUnpackWARs(true);
      // as in Tomcat's standard server.xml
      tomcat.getServer().addLifecycleListener(new JreMemoryLeakPreventionListener());
      tomcat.start();
    }

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    Deployment deploy(Path war, String contextPath) {
      Context context = tomcat.addWebapp(tomcat.getHost(), contextPath, war.toString());
      ClassLoader loader = context.getLoader() == null ? null : context.getLoader().getClassLoader();
      return new Deployment(context.getName(), context.getState().isAvailable(), new WeakReference<>(loader));
    }

    @Override
    void undeploy(Deployment deployment) {
      tomcat.getHost().removeChild(tomcat.getHost().findChild(deployment.name()));
    }

    @Override
    public void close() {
      try {
        tomcat.stop();
        tomcat.destroy();
      } catch (org.apache.catalina.LifecycleException e) {
        throw new IllegalStateException("Tomcat did not stop cleanly", e);
      }
    }
  }

  private static final class JettyContainer extends Container {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final ContextHandlerCollection contexts = new ContextHandlerCollection();
    private final Path workDir;

    JettyContainer(Path workDir) throws Exception {
      this.workDir = workDir;
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      server.setHandler(contexts);
      server.start();
    }

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    Deployment deploy(Path war, String contextPath) throws Exception {
      WebAppContext webapp = new WebAppContext();
      webapp.setContextPath(contextPath);
      webapp.setWar(war.toString());
      webapp.setTempDirectory(Files.createTempDirectory(workDir, "jetty-webapp-").toFile());
      webapp.setThrowUnavailableOnStartupException(false);
      contexts.addHandler(webapp);
      webapp.start();
      return new Deployment(contextPath, webapp.isAvailable(), new WeakReference<>(webapp.getClassLoader()));
    }

    @Override
    void undeploy(Deployment deployment) throws Exception {
      for (Handler h : contexts.getHandlers()) {
        if (h instanceof WebAppContext w && w.getContextPath().equals(deployment.name())) {
          w.stop();
          contexts.removeHandler(w);
          w.destroy();
        }
      }
    }

    @Override
    public void close() {
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException("Jetty did not stop cleanly", e);
      }
    }
  }
}
