package io.servingkit.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.servingkit.ModelServer;
import io.servingkit.ServingListener;
import io.servingkit.api.ServingApi;
import io.servingkit.servlet.RequestLogFilter;
import io.servingkit.servlet.ServingServlet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Serves models in a Spring Boot application from its {@code servingkit.*} properties.
 *
 * <ul>
 *   <li>a {@link ModelServer} built from the properties (the keys of DJL Serving's {@code config.properties}:
 *       {@code servingkit.models}, {@code servingkit.model_store}, {@code servingkit.job_queue_size}, ...),
 *       recording into the application's {@link MeterRegistry} when it has one, observing each job's queue wait
 *       and inference in its {@link ObservationRegistry} when it has one (with Micrometer Tracing: spans
 *       {@code servingkit.queue} and {@code servingkit.inference}, children of the request's span), and listeners
 *       it declares as {@link ServingListener} beans;
 *   <li>in a servlet web application, the REST API ({@code /ping}, {@code /predictions/...}, {@code /models})
 *       mounted in the application's own web server at {@code servingkit.url_pattern} (default
 *       {@code /serving/*});
 *   <li>in a servlet web application, request ids ({@code x-request-id}) and W3C trace context in the MDC of
 *       every request and of the jobs it queues, and an access log ({@code servingkit.access_log},
 *       {@code servingkit.access_log_format}): see {@link RequestLogFilter};
 *   <li>with Actuator, a {@code servingKit} health indicator (added to the readiness group);
 *   <li>a lifecycle that, in Spring's graceful-shutdown phase, waits for queued and running jobs and then
 *       closes the server.
 * </ul>
 *
 * <p>Each bean backs off when the application defines its own: an application-defined {@link ModelServer}
 * is used (and still drained and closed at shutdown), as is a {@link ServingApi}. {@code servingkit.enabled=false}
 * switches everything off.
 */
@AutoConfiguration
@ConditionalOnClass(ModelServer.class)
@ConditionalOnProperty(prefix = "servingkit", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ServingKitAutoConfiguration {

  /** Created by Spring. */
  public ServingKitAutoConfiguration() {}

  @Bean
  ServingKitSettings servingKitSettings(Environment environment) {
    return ServingKitSettings.of(environment);
  }

  /** The model server of the {@code servingkit.*} properties; its startup models are loaded before it returns. */
  @Bean
  @ConditionalOnMissingBean
  ModelServer servingKitModelServer(
      ServingKitSettings settings,
      ObjectProvider<MeterRegistry> meterRegistry,
      ObjectProvider<ObservationRegistry> observationRegistry,
      ObjectProvider<ServingListener> listeners) {
    ModelServer.Builder builder = settings.serverBuilder();
    MeterRegistry registry = meterRegistry.getIfUnique();
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    ObservationRegistry observations = observationRegistry.getIfUnique();
    if (observations != null) {
      builder.observationRegistry(observations);
    }
    listeners.orderedStream().forEach(builder::listener);
    return builder.build();
  }

  @Bean
  @ConditionalOnMissingBean
  ServingApi servingKitApi(ModelServer server, ServingKitSettings settings) {
    return new ServingApi(server, settings.apiConfig());
  }

  @Bean
  @ConditionalOnMissingBean
  ServingKitLifecycle servingKitLifecycle(ModelServer server, Environment environment) {
    return new ServingKitLifecycle(
        server,
        environment.getProperty(
            "spring.lifecycle.timeout-per-shutdown-phase", java.time.Duration.class, java.time.Duration.ofSeconds(30)));
  }

  /** The REST API in the application's own servlet web server. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({ServingServlet.class, ServletRegistrationBean.class})
  static class ServletApi {

    @Bean
    @ConditionalOnMissingBean(name = "servingKitServlet")
    ServletRegistrationBean<ServingServlet> servingKitServlet(ServingApi api, ServingKitSettings settings) {
      String pattern = settings.urlPattern();
      ServletRegistrationBean<ServingServlet> registration =
          new ServletRegistrationBean<>(
              new ServingServlet(api, settings.asyncTimeout()), pattern == null ? "/serving/*" : pattern);
      registration.setEnabled(pattern != null); // url_pattern=none: the application maps the API itself
      registration.setName("servingKit");
      registration.setAsyncSupported(true);
      registration.setLoadOnStartup(1);
      return registration;
    }

    /**
     * Request ids, trace context in the MDC and the access log for every request of the application (its own
     * controllers too), right after Spring Boot's observation filter so that a tracer's context comes first.
     */
    @Bean
    @ConditionalOnMissingBean(name = "servingKitRequestLogFilter")
    FilterRegistrationBean<RequestLogFilter> servingKitRequestLogFilter(ServingKitSettings settings) {
      FilterRegistrationBean<RequestLogFilter> registration =
          new FilterRegistrationBean<>(new RequestLogFilter(settings.accessLog()));
      registration.setName("servingKitRequestLog");
      registration.addUrlPatterns("/*");
      registration.setAsyncSupported(true);
      registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
      return registration;
    }
  }

  /** Actuator health fed by the models' states. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class Health {

    @Bean
    @ConditionalOnMissingBean(name = "servingKitHealthIndicator")
    ServingKitHealthIndicator servingKitHealthIndicator(ModelServer server) {
      return new ServingKitHealthIndicator(server);
    }
  }
}
