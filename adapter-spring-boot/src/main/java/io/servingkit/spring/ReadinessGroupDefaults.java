package io.servingkit.spring;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Puts ServingKit's health into Actuator's readiness group by default: when the application sets neither
 * {@code management.endpoint.health.group.readiness.include} nor {@code servingkit.enabled=false} and Actuator's
 * health is on the class path, the group includes {@code readinessState} and {@code servingKit}. The default
 * sits below every other property source, so the application's own setting wins.
 */
final class ReadinessGroupDefaults implements EnvironmentPostProcessor {

  static final String INCLUDE = "management.endpoint.health.group.readiness.include";

  ReadinessGroupDefaults() {}

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    if (environment.containsProperty(INCLUDE)
        || "false".equalsIgnoreCase(environment.getProperty("servingkit.enabled", "true"))
        || !ClassUtils.isPresent("org.springframework.boot.health.contributor.HealthIndicator", getClass().getClassLoader())) {
      return;
    }
    environment
        .getPropertySources()
        .addLast(new MapPropertySource("servingKitDefaults", Map.of(INCLUDE, "readinessState,servingKit")));
  }
}
