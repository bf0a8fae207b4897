package io.servingkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.servingkit.api.AccessLog;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@link ServingContextListener} in web applications deployed into a real Tomcat 11: configuration from the
 * application, the servlet it maps, failed deployments, and what stopping leaves behind. (The example WAR's
 * own tests deploy a packaged WAR with real models into Tomcat and Jetty.)
 */
class ServingContextListenerTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final String LISTENER =
      "<listener><listener-class>io.servingkit.servlet.ServingContextListener</listener-class></listener>\n";

  @TempDir Path dir;
  private Tomcat tomcat;
  private int port;

  @BeforeEach
  void startTomcat() throws Exception {
    tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat")).toString());
    Files.createDirectories(dir.resolve("tomcat/webapps"));
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    tomcat.setAddDefaultWebXmlToWebapp(false);
    tomcat.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stopTomcat() throws Exception {
    tomcat.stop();
    tomcat.destroy();
  }

  /** An expanded web application: web.xml around {@code webXmlBody}, config.properties, echo models. */
  private Path webApp(String webXmlBody, String config, String... models) throws IOException {
    Path app = Files.createDirectories(dir.resolve("app"));
    Files.createDirectories(app.resolve("WEB-INF"));
    Files.writeString(
        app.resolve("WEB-INF/web.xml"),
        "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n" + webXmlBody + "</web-app>\n");
    if (config != null) {
      Files.writeString(app.resolve("WEB-INF/config.properties"), config);
    }
    for (String model : models) {
      Path m = Files.createDirectories(app.resolve("WEB-INF/" + model));
      Files.writeString(m.resolve("serving.properties"), "engine=Python\ntest_mode=echo\n");
    }
    return app;
  }

  /** Adds a model to the application's store that fails to load (a malformed batch_size). */
  private static Path broken(Path app) throws IOException {
    Path m = Files.createDirectories(app.resolve("WEB-INF/models/broken"));
    Files.writeString(m.resolve("serving.properties"), "engine=Python\ntest_mode=echo\nbatch_size=abc\n");
    return app;
  }

  private Context deploy(String contextPath, Path docBase) {
    return tomcat.addWebapp(tomcat.getHost(), contextPath, docBase.toString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> servingThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("servingkit-"))
        .toList();
  }

  @Test
  void servesTheModelStoreInsideTheApplicationAndStopsEverythingOnUndeploy() throws Exception {
    Context context = deploy("/shop", webApp(LISTENER, null, "models/echo", "models/other"));
    assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);

    HttpResponse<String> ping = get("/shop/ping");
    assertThat(ping.statusCode()).isEqualTo(200);
    assertThat(ping.body()).contains("\"echo\"").contains("\"other\"");
    HttpResponse<String> echo = post("/shop/predictions/echo", "from the war");
    assertThat(echo.statusCode()).isEqualTo(200);
    assertThat(echo.body()).isEqualTo("from the war");
    assertThat(context.getServletContext().getAttribute(ServingContextListener.MODEL_SERVER_ATTRIBUTE)).isNotNull();
    assertThat(servingThreads()).isNotEmpty();

    tomcat.getHost().removeChild(context); // undeploy
    assertThat(context.getServletContext().getAttribute(ServingContextListener.SERVING_API_ATTRIBUTE)).isNull();
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(servingThreads()).isEmpty());
    assertThat(get("/shop/ping").statusCode()).isEqualTo(404);
  }

  @Test
  void initParametersOverrideTheFileAndAddModelsFromInsideTheApplication() throws Exception {
    String webXml =
        LISTENER
            + "<context-param><param-name>servingkit.url_pattern</param-name><param-value>/api/*</param-value></context-param>\n"
            + "<context-param><param-name>servingkit.models</param-name>"
            + "<param-value>extra:3=/WEB-INF/more/extra</param-value></context-param>\n";
    deploy("", webApp(webXml, "url_pattern=/ignored/*\nload_models=NONE\n", "models/echo", "more/extra"));

    HttpResponse<String> ping = get("/api/ping");
    assertThat(ping.statusCode()).isEqualTo(200);
    assertThat(ping.body()).contains("\"extra\"").doesNotContain("\"echo\"");
    assertThat(post("/api/predictions/extra/3", "three").body()).isEqualTo("three");
    assertThat(get("/ignored/ping").statusCode()).isEqualTo(404);
  }

  @Test
  void aServletDeclaredInWebXmlServesTheListenersApi() throws Exception {
    String webXml =
        LISTENER
            + "<servlet><servlet-name>models</servlet-name>"
            + "<servlet-class>io.servingkit.servlet.ServingServlet</servlet-class>"
            + "<init-param><param-name>async_timeout</param-name><param-value>20000</param-value></init-param>"
            + "<async-supported>true</async-supported></servlet>\n"
            + "<servlet-mapping><servlet-name>models</servlet-name><url-pattern>/models-api/*</url-pattern></servlet-mapping>\n";
    deploy("/app", webApp(webXml, "url_pattern=none\n", "models/echo"));
    assertThat(post("/app/models-api/predictions/echo", "declared").body()).isEqualTo("declared");
    assertThat(get("/app/ping").statusCode()).isEqualTo(404); // nothing mapped at /*
  }

  @Test
  void aModelThatCannotLoadFailsTheDeploymentWhenFailFastAndLeavesNoThreads() throws Exception {
    Context context =
        deploy("/broken", broken(webApp(LISTENER, "fail_fast=true\n", "models/echo")));
    assertThat(context.getState()).isNotEqualTo(LifecycleState.STARTED);
    assertThat(get("/broken/ping").statusCode()).isNotEqualTo(200);
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(servingThreads()).isEmpty());
  }

  /**
   * By default a startup model that fails is reported (logged, listed FAILED) and the others serve — here a real
   * Python model whose worker socket would be too long in the deep work folder of this application.
   */
  @Test
  void aModelThatCannotLoadIsReportedAndTheOthersServeFromADeepWorkFolder() throws Exception {
    Path deep = dir.resolve("t".repeat(50)).resolve("e".repeat(50)).resolve("work");
    Path app = broken(webApp(LISTENER, "work_dir=" + deep + "\n", "models/echo"));
    Path python = Files.createDirectories(app.resolve("WEB-INF/models/py"));
    Files.writeString(python.resolve("serving.properties"), "engine=Python\noption.pythonExecutable=/usr/bin/python3\n");
    Files.writeString(
        python.resolve("model.py"),
        "from djl_python import Output\n\n\ndef handle(inputs):\n    if inputs.is_empty():\n        return None\n"
            + "    return Output().add(inputs.get_as_bytes())\n");
    Context context = deploy("/partial", app);
    try {
      assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);
      HttpResponse<String> echo = post("/partial/predictions/py", "python in a deep tomcat");
      assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
      assertThat(echo.body()).isEqualTo("python in a deep tomcat");
      assertThat(post("/partial/predictions/echo", "still").body()).isEqualTo("still");
      HttpResponse<String> broken = get("/partial/models/broken");
      assertThat(broken.statusCode()).isEqualTo(200);
      assertThat(broken.body()).contains("FAILED");
    } finally {
      tomcat.getHost().removeChild(context);
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(servingThreads()).isEmpty());
  }

  /** From a WAR that Tomcat does not expand, the model store is copied out, and removed on undeploy. */
  @Test
  void aWarThatIsNotExpandedHasItsModelsCopiedOut() throws Exception {
    Path app = webApp(LISTENER, "async_timeout=15000\n", "models/echo");
    Path war = dir.resolve("tomcat/webapps/packed.war");
    zip(app, war);
    ((org.apache.catalina.core.StandardHost) tomcat.getHost()).setUnpackWARs(false);
    Context context = deploy("/packed", war);
    assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);
    assertThat(context.getServletContext().getRealPath("/WEB-INF/models")).isNull();
    assertThat(post("/packed/predictions/echo", "zipped").body()).isEqualTo("zipped");

    Path tmp = ((java.io.File) context.getServletContext().getAttribute(jakarta.servlet.ServletContext.TEMPDIR)).toPath();
    assertThat(copies(tmp)).hasSize(1);
    tomcat.getHost().removeChild(context);
    assertThat(copies(tmp)).isEmpty();
  }

  private static List<Path> copies(Path tmp) throws IOException {
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("servingkit-war-")).toList();
    }
  }

  private static void zip(Path folder, Path zipFile) throws IOException {
    try (OutputStream out = Files.newOutputStream(zipFile);
        ZipOutputStream zip = new ZipOutputStream(out);
        Stream<Path> files = Files.walk(folder)) {
      for (Path p : files.sorted().toList()) {
        String name = folder.relativize(p).toString().replace('\\', '/');
        if (name.isEmpty()) {
          continue;
        }
        if (Files.isDirectory(p)) {
          zip.putNextEntry(new ZipEntry(name + "/"));
        } else {
          zip.putNextEntry(new ZipEntry(name));
          Files.copy(p, zip);
        }
        zip.closeEntry();
      }
    }
  }

  /** The access log lines captured so far. */
  private static List<ILoggingEvent> accessLines(ListAppender<ILoggingEvent> appender) {
    synchronized (appender) { // the appender adds under this lock
      return List.copyOf(appender.list);
    }
  }

  private static ListAppender<ILoggingEvent> captureAccessLog() {
    ListAppender<ILoggingEvent> appender =
        new ListAppender<>() {
          @Override
          protected void append(ILoggingEvent e) {
            e.prepareForDeferredProcessing(); // takes the MDC now, on the thread that logs
            super.append(e);
          }
        };
    appender.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(appender);
    return appender;
  }

  private static void stopCapture(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).detachAppender(appender);
  }

  private HttpResponse<String> getWith(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** One access line per request, in the listener's format, with the request's id and trace in its MDC. */
  private static void awaitOneLine(
      ListAppender<ILoggingEvent> appender, String requestId, String traceId, String expected) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(accessLines(appender))
                    .filteredOn(e -> requestId.equals(e.getMDCPropertyMap().get("requestId")))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getFormattedMessage()).matches(expected);
                          if (traceId != null) {
                            assertThat(e.getMDCPropertyMap()).containsEntry("traceId", traceId);
                          }
                        }));
  }

  @Test
  void theListenerAddsTheRequestLogFilterWithItsAccessLogSettings() throws Exception {
    String webXml =
        LISTENER
            + "<context-param><param-name>servingkit.access_log_format</param-name>"
            + "<param-value>common</param-value></context-param>\n";
    Context context = deploy("/shop", webApp(webXml, null));
    assertThat(context.getServletContext().getFilterRegistration(ServingContextListener.FILTER_NAME)).isNotNull();
    ListAppender<ILoggingEvent> appender = captureAccessLog();
    try {
      HttpResponse<String> traced =
          getWith(
              "/shop/ping",
              "x-request-id", "order-1",
              "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      assertThat(traced.statusCode()).isEqualTo(200);
      assertThat(traced.headers().firstValue("x-request-id")).hasValue("order-1");
      HttpResponse<String> plain = getWith("/shop/ping?deep=1", "User-Agent", "probe/1.0");
      String newId = plain.headers().firstValue("x-request-id").orElseThrow();
      assertThat(newId).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

      // common format: no referer or user agent at the end
      awaitOneLine(
          appender,
          "order-1",
          "0af7651916cd43dd8448eb211c80319c",
          "127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /shop/ping HTTP/1\\.1\" 200 \\d+");
      awaitOneLine(appender, newId, null, "127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /shop/ping\\?deep=1 HTTP/1\\.1\" 200 \\d+");
    } finally {
      stopCapture(appender);
    }
  }

  @Test
  void aRequestLogFilterDeclaredInWebXmlGovernsAndTheListenerAddsNone() throws Exception {
    String webXml =
        LISTENER
            + "<context-param><param-name>servingkit.access_log</param-name>"
            + "<param-value>false</param-value></context-param>\n"
            + "<filter><filter-name>mine</filter-name>"
            + "<filter-class>io.servingkit.servlet.RequestLogFilter</filter-class>"
            + "<async-supported>true</async-supported></filter>\n"
            + "<filter-mapping><filter-name>mine</filter-name><url-pattern>/*</url-pattern></filter-mapping>\n";
    Context context = deploy("/shop", webApp(webXml, null));
    assertThat(context.getServletContext().getFilterRegistration(ServingContextListener.FILTER_NAME)).isNull();
    ListAppender<ILoggingEvent> appender = captureAccessLog();
    try {
      for (String id : List.of("first", "second")) {
        HttpResponse<String> ping = getWith("/shop/ping", "x-request-id", id, "User-Agent", "probe/1.0");
        assertThat(ping.headers().allValues("x-request-id")).containsExactly(id);
        // the application's own filter: combined format (its default), one line per request
        awaitOneLine(
            appender, id, null, "127\\.0\\.0\\.1 - - \\[[^]]+\\] \"GET /shop/ping HTTP/1\\.1\" 200 \\d+ \"-\" \"probe/1\\.0\"");
      }
    } finally {
      stopCapture(appender);
    }
  }
}
