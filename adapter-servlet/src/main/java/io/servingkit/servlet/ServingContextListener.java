package io.servingkit.servlet;

import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.ServingConfig;
import io.servingkit.ServingException;
import io.servingkit.api.AccessLog;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ModelServer} for a web application: builds it from the application's configuration when the
 * application starts, maps a {@link ServingServlet} on it, and closes it — with every thread and worker
 * process it started — when the application stops or is undeployed.
 *
 * <p>Declare it in {@code WEB-INF/web.xml}:
 *
 * <pre>{@code
 * <listener>
 *   <listener-class>io.servingkit.servlet.ServingContextListener</listener-class>
 * </listener>
 * }</pre>
 *
 * <p>Configuration: the listener collects DJL Serving's {@code config.properties} keys from
 * {@code /WEB-INF/config.properties} (or the file named by the context init-parameter
 * {@code servingkit.config_file}) and context init-parameters {@code servingkit.<key>} (which win), and hands
 * them to {@link io.servingkit.ServingConfig}, which checks every key and value. The model store defaults to {@code /WEB-INF/models} when
 * the WAR has that folder, and every model in it is loaded ({@code load_models=ALL}); {@code model_store}
 * may name another folder inside the WAR ({@code /WEB-INF/...}) or on the file system. {@code models} lists
 * further models as entries like the command line's {@code -m}
 * ({@code digits=file:/WEB-INF/models/digits}). {@code url_pattern} (default {@code /*}) is where the
 * servlet is mapped, {@code none} to declare {@link ServingServlet} yourself; {@code async_timeout}
 * (milliseconds, default 5 minutes) bounds each request. The listener also adds {@link RequestLogFilter} for every
 * request of the application (request ids, trace context in the MDC, one access log line per request as
 * {@code access_log} and {@code access_log_format} say), unless the application declares that filter itself. A
 * startup model that fails to load is logged and listed as FAILED while the others serve, unless
 * {@code fail_fast=true}, when it fails the deployment.
 *
 * <p>The server and its API are published as servlet context attributes ({@link #MODEL_SERVER_ATTRIBUTE},
 * {@link #SERVING_API_ATTRIBUTE}) for the application's own code. The listener must be declared in
 * {@code web.xml} or a {@code web-fragment.xml} (not added programmatically) to map the servlet itself.
 *
 * <p>Threading: the container calls it once at start and once at stop.
 */
public final class ServingContextListener implements ServletContextListener {

  private static final Logger LOG = LoggerFactory.getLogger(ServingContextListener.class);

  /** Servlet context attribute holding the application's {@link ModelServer}. */
  public static final String MODEL_SERVER_ATTRIBUTE = "io.servingkit.ModelServer";

  /** Servlet context attribute holding the {@link ServingApi} that {@link ServingServlet} serves. */
  public static final String SERVING_API_ATTRIBUTE = "io.servingkit.api.ServingApi";

  /** Servlet context attribute holding the configured async timeout, a {@link Duration}. */
  static final String ASYNC_TIMEOUT_ATTRIBUTE = "io.servingkit.servlet.asyncTimeout";

  /** The servlet's name when the listener maps it. */
  static final String SERVLET_NAME = "servingkit";

  /** The name of the {@link RequestLogFilter} the listener adds. */
  static final String FILTER_NAME = "servingkit-requests";

  private ModelServer server;
  private ServingApi api;
  private WarFiles files;

  /** Created by the container. */
  public ServingContextListener() {}

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    if (context.getAttribute(SERVING_API_ATTRIBUTE) != null) {
      LOG.warn("ServingKit already runs in {}: this second ServingContextListener does nothing", name(context));
      return;
    }
    files = new ContextWarFiles(context);
    try {
      ServingConfig config = WebAppConfig.read(files, initParameters(context)); // every setting checked here
      Duration timeout = config.get(ServingConfig.ASYNC_TIMEOUT);
      String pattern = WebAppConfig.urlPattern(config);
      ApiConfig apiConfig =
          ApiConfig.from(config, ApiConfig.Endpoints.valueOf(config.get(ServingConfig.ENDPOINTS)));
      // startup models are loaded here, one by one, so that one that fails does not take the others down
      ModelServer.Builder builder =
          ModelServer.builder()
              .config(config)
              .set(ServingConfig.LOAD_MODELS, "NONE")
              .set(ServingConfig.MODELS, List.of());
      SharedEngines.startShared(context.getClassLoader());
      server = builder.build();
      loadStartupModels(config, name(context));
      api = new ServingApi(server, apiConfig);
      context.setAttribute(MODEL_SERVER_ATTRIBUTE, server);
      context.setAttribute(SERVING_API_ATTRIBUTE, api);
      context.setAttribute(ASYNC_TIMEOUT_ATTRIBUTE, timeout);
      if (pattern != null) {
        ServletRegistration.Dynamic servlet = context.addServlet(SERVLET_NAME, new ServingServlet(api, timeout));
        if (servlet == null) {
          throw new IllegalStateException("a servlet named " + SERVLET_NAME + " is already declared in " + name(context));
        }
        servlet.setAsyncSupported(true);
        servlet.setLoadOnStartup(1);
        servlet.addMapping(pattern);
      }
      addRequestLog(context, config);
      LOG.info(
          "ServingKit serves {} model(s) in {}{}",
          server.list().size(),
          name(context),
          pattern == null ? "" : " at " + pattern);
    } catch (RuntimeException e) {
      LOG.error("ServingKit failed to start in {}: {}", name(context), e.getMessage());
      stop(context);
      throw e;
    }
  }

  /**
   * Adds {@link RequestLogFilter} for every request of the application (request ids, trace context in the MDC,
   * and the access log as {@code access_log} and {@code access_log_format} say), before the filters of
   * {@code web.xml}; not when the application declares a {@link RequestLogFilter} itself, which then governs.
   */
  private static void addRequestLog(ServletContext context, ServingConfig config) {
    boolean declared =
        context.getFilterRegistrations().values().stream()
            .anyMatch(r -> RequestLogFilter.class.getName().equals(r.getClassName()));
    if (declared) {
      LOG.debug("{} declares RequestLogFilter itself: the listener adds none", name(context));
      return;
    }
    FilterRegistration.Dynamic filter =
        context.addFilter(FILTER_NAME, new RequestLogFilter(AccessLog.from(config)));
    if (filter == null) {
      throw new IllegalStateException("a filter named " + FILTER_NAME + " is already declared in " + name(context));
    }
    filter.setAsyncSupported(true);
    filter.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
  }

  /**
   * Loads the startup models; one that fails is logged and listed as FAILED while the others serve, unless
   * {@code fail_fast} is set, when it fails the deployment.
   */
  private void loadStartupModels(ServingConfig config, String app) {
    boolean failFast = config.get(ServingConfig.FAIL_FAST);
    for (ModelSpec spec : config.startupModels()) {
      if (failFast) {
        server.register(spec);
        continue;
      }
      try {
        server.registerAsync(spec).join();
      } catch (CompletionException | ServingException e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        LOG.error(
            "Model {} failed to load in {}; the other models serve (fail_fast=true fails the deployment instead): {}",
            spec.name(),
            app,
            cause.getMessage());
      }
    }
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    stop(event.getServletContext());
  }

  private void stop(ServletContext context) {
    if (files == null) {
      return; // this listener did not start anything
    }
    context.removeAttribute(SERVING_API_ATTRIBUTE);
    context.removeAttribute(MODEL_SERVER_ATTRIBUTE);
    context.removeAttribute(ASYNC_TIMEOUT_ATTRIBUTE);
    try {
      if (api != null) {
        api.close();
      }
      if (server != null) {
        server.close();
        LOG.info("ServingKit stopped in {}", name(context));
      }
    } finally {
      files.close();
      api = null;
      server = null;
      files = null;
    }
  }

  private static Map<String, String> initParameters(ServletContext context) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String name : Collections.list(context.getInitParameterNames())) {
      params.put(name, context.getInitParameter(name));
    }
    return params;
  }

  private static String name(ServletContext context) {
    String path = context.getContextPath();
    return "web application " + (path.isEmpty() ? "/" : path);
  }
}
