package io.servingkit.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.servingkit.ModelDescription;
import io.servingkit.ModelStatus;
import java.util.List;

/** The JSON shapes of the management and ping endpoints, field for field as DJL Serving writes them. */
final class JsonViews {

  private JsonViews() {}

  /**
   * The health word of a model version: {@code Healthy} when READY with a live worker (or none wanted),
   * {@code Unhealthy} when READY but every wanted worker is gone or when UNHEALTHY (its workers keep dying),
   * otherwise the status name.
   */
  static String health(ModelDescription d) {
    if (d.status() == ModelStatus.UNHEALTHY) {
      return "Unhealthy";
    }
    if (d.status() != ModelStatus.READY) {
      return d.status().name();
    }
    boolean wantsWorkers = false;
    for (ModelDescription.WorkerGroup g : d.workerGroups()) {
      if (g.minWorkers() > 0) {
        wantsWorkers = true;
      }
      for (ModelDescription.Worker w : g.workers()) {
        if ("READY".equals(w.status()) || "BUSY".equals(w.status())) {
          return "Healthy";
        }
      }
    }
    return wantsWorkers ? "Unhealthy" : "Healthy";
  }

  /** Orders health words from best to worst, to report the worst of several versions. */
  static int severity(String health) {
    return switch (health) {
      case "Healthy" -> 0;
      case "PENDING" -> 1;
      case "Unhealthy" -> 2;
      default -> 3; // FAILED
    };
  }

  /** One entry of {@code GET /models}. */
  static JsonObject listEntry(ModelDescription d) {
    JsonObject o = new JsonObject();
    o.addProperty("modelName", d.modelName());
    if (d.version() != null) {
      o.addProperty("version", d.version());
    }
    o.addProperty("modelUrl", d.modelUrl());
    o.addProperty("status", d.status().name());
    return o;
  }

  /** The body of {@code GET /models/{name}[/{version}]}: one workflow object per version. */
  static JsonArray describe(List<ModelDescription> versions, StartupModels startup) {
    JsonArray out = new JsonArray();
    for (ModelDescription d : versions) {
      JsonObject workflow = new JsonObject();
      workflow.addProperty("workflowName", d.modelName());
      if (d.version() != null) {
        workflow.addProperty("version", d.version());
      }
      JsonArray models = new JsonArray();
      models.add(model(d, startup.loadedAtStartup(d.modelName(), d.version())));
      workflow.add("models", models);
      out.add(workflow);
    }
    return out;
  }

  private static JsonObject model(ModelDescription d, boolean loadedAtStartup) {
    JsonObject m = new JsonObject();
    m.addProperty("modelName", d.modelName());
    if (d.version() != null) {
      m.addProperty("version", d.version());
    }
    m.addProperty("modelUrl", d.modelUrl());
    m.addProperty("batchSize", d.batchSize());
    m.addProperty("maxBatchDelayMillis", d.maxBatchDelayMillis());
    m.addProperty("maxIdleSeconds", d.maxIdleSeconds());
    m.addProperty("queueSize", d.queueSize());
    m.addProperty("requestInQueue", d.requestInQueue());
    m.addProperty("status", health(d));
    if (d.failure() != null) {
      m.addProperty("failure", d.failure());
    }
    m.addProperty("loadedAtStartup", loadedAtStartup);
    JsonArray groups = new JsonArray();
    for (ModelDescription.WorkerGroup g : d.workerGroups()) {
      JsonObject group = new JsonObject();
      JsonObject device = new JsonObject();
      device.addProperty("deviceType", deviceType(g.device()));
      device.addProperty("deviceId", g.deviceId());
      group.add("device", device);
      group.addProperty("minWorkers", g.minWorkers());
      group.addProperty("maxWorkers", g.maxWorkers());
      JsonArray workers = new JsonArray();
      for (ModelDescription.Worker w : g.workers()) {
        JsonObject worker = new JsonObject();
        worker.addProperty("id", w.id());
        worker.addProperty("startTime", w.startTime());
        worker.addProperty("status", w.status());
        workers.add(worker);
      }
      group.add("workers", workers);
      groups.add(group);
    }
    m.add("workerGroups", groups);
    return m;
  }

  /** {@code cpu} or {@code gpu} from a device name such as {@code gpu1}. */
  static String deviceType(String device) {
    if (device == null) {
      return "cpu";
    }
    int end = device.length();
    while (end > 0 && Character.isDigit(device.charAt(end - 1))) {
      end--;
    }
    return end == 0 ? device : device.substring(0, end);
  }

  /** Tells whether a model version was loaded when the server started. */
  @FunctionalInterface
  interface StartupModels {
    boolean loadedAtStartup(String name, String version);
  }
}
