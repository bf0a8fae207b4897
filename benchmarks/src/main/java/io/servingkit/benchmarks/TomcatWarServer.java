package io.servingkit.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.JreMemoryLeakPreventionListener;
import org.apache.catalina.startup.Tomcat;

/**
 * The Tomcat side of {@code benchmarks/load/run-tomcat.sh}: a Tomcat 11 (tomcat-embed-core, default NIO connector
 * and thread pool) that deploys a WAR file the way a standalone Tomcat does — the WAR expanded into the host's
 * appBase, a web-application class loader over its {@code WEB-INF/lib} — with context parameters as a context
 * descriptor ({@code conf/Catalina/localhost/<app>.xml}) would give them. This JVM's class path plays the
 * container's {@code lib/}: Tomcat plus {@code examples/war/target/container-lib/} (DJL and ONNX Runtime).
 * Prints {@code Try: <url>} when the application has started; stops on SIGTERM.
 *
 * <p>Run: {@code java -cp TOMCAT_AND_CONTAINER_LIB:benchmarks/target/classes io.servingkit.benchmarks.TomcatWarServer
 * WAR PORT WORK_DIR [servingkit.KEY=VALUE ...]}.
 */
public final class TomcatWarServer {

  private TomcatWarServer() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: TomcatWarServer WAR PORT WORK_DIR [servingkit.KEY=VALUE ...]");
      System.exit(2);
    }
    Path war = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    Path work = Files.createDirectories(Path.of(args[2]).toAbsolutePath());
    Files.createDirectories(work.resolve("webapps"));

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(work.toString());
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    tomcat.setAddDefaultWebXmlToWebapp(false);
    tomcat.getServer().addLifecycleListener(new JreMemoryLeakPreventionListener());
    Context context = tomcat.addWebapp(tomcat.getHost(), "", war.toString());
    for (int i = 3; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      context.addParameter(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    tomcat.start();
    if (!context.getState().isAvailable()) {
      System.err.println("the web application did not start");
      tomcat.stop();
      System.exit(1);
    }
    System.out.println("Try: curl http://127.0.0.1:" + port + "/ping");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    tomcat.stop();
                    tomcat.destroy();
                  } catch (Exception e) {
                    e.printStackTrace();
                  }
                },
                "tomcat-stop"));
    tomcat.getServer().await();
  }
}
