package io.servingkit;

import java.util.List;

/**
 * A snapshot of one registered model version, as shown by the describe API.
 *
 * @param modelName the model name
 * @param version the version, or null when the model has none
 * @param modelUrl the URL the model was registered from
 * @param engine the engine, given or detected (null while still pending)
 * @param batchSize the dynamic batch size
 * @param maxBatchDelayMillis the batch window in milliseconds
 * @param maxIdleSeconds idle time before an extra worker is retired
 * @param queueSize the job queue capacity
 * @param requestInQueue jobs waiting in the queue now
 * @param status the model status
 * @param failure why loading failed, or null
 * @param workerGroups one group per device
 */
public record ModelDescription(
    String modelName,
    String version,
    String modelUrl,
    String engine,
    int batchSize,
    long maxBatchDelayMillis,
    long maxIdleSeconds,
    int queueSize,
    int requestInQueue,
    ModelStatus status,
    String failure,
    List<WorkerGroup> workerGroups) {

  /**
   * The workers of one device.
   *
   * @param device the device name, {@code cpu} or {@code gpuN}
   * @param deviceId the device id, -1 for the CPU
   * @param minWorkers workers always kept
   * @param maxWorkers workers started at most
   * @param workers the live workers
   */
  public record WorkerGroup(
      String device, int deviceId, int minWorkers, int maxWorkers, List<Worker> workers) {}

  /**
   * One worker.
   *
   * @param id the worker id, unique within the model
   * @param startTime when it started, ISO-8601 UTC
   * @param status {@code READY}, {@code BUSY} or {@code STARTING}
   */
  public record Worker(int id, String startTime, String status) {}
}
