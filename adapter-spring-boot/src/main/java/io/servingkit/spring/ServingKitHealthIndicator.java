package io.servingkit.spring;

import io.servingkit.ModelDescription;
import io.servingkit.ModelServer;
import io.servingkit.ModelStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of a {@link ModelServer}: UP while every model loaded at startup is READY, DOWN when one of
 * them is not (failed, or unregistered); models registered later (through the REST API or code) are shown
 * but do not decide it, so a model someone is loading at run time does not take the application out of a load
 * balancer. Details: each model's status, and its failure when it has one. Registered as {@code servingKit} and
 * included in the readiness group by default ({@code management.endpoint.health.group.readiness.include}).
 *
 * <p>Threading: safe for concurrent calls; reads snapshots.
 */
public final class ServingKitHealthIndicator implements HealthIndicator {

  private final ModelServer server;
  private final Set<String> startupModels;

  /** Watches {@code server}; the models registered now are its startup models. */
  public ServingKitHealthIndicator(ModelServer server) {
    this.server = server;
    this.startupModels = server.list().stream().map(ServingKitHealthIndicator::key).collect(Collectors.toSet());
  }

  @Override
  public Health health() {
    List<ModelDescription> models = server.list();
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    Set<String> present = models.stream().map(ServingKitHealthIndicator::key).collect(Collectors.toSet());
    for (String missing : startupModels) {
      if (!present.contains(missing)) {
        up = false;
        details.put(missing, "UNREGISTERED");
      }
    }
    for (ModelDescription model : models) {
      String key = key(model);
      details.put(key, model.failure() == null ? model.status().name() : model.status() + ": " + model.failure());
      if (startupModels.contains(key) && model.status() != ModelStatus.READY) {
        up = false;
      }
    }
    return (up ? Health.up() : Health.down()).withDetails(details).build();
  }

  private static String key(ModelDescription model) {
    return model.version() == null ? model.modelName() : model.modelName() + ":" + model.version();
  }
}
