package io.servingkit.api.conformance;

import com.google.gson.JsonObject;
import io.servingkit.api.InferTensor;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One way of speaking the Open Inference Protocol to a server, as {@link OipConformanceSuite} drives it: REST with
 * JSON data, REST with the binary tensor data extension, or gRPC. Metadata comes back in the REST JSON shape
 * whatever the wire, so that the suite checks one picture.
 */
public interface OipClient {

  /** A failure the server answered: the HTTP status it stands for (gRPC codes mapped back) and its message. */
  final class Failure extends Exception {
    private final int status;

    public Failure(int status, String message) {
      super(status + ": " + message);
      this.status = status;
    }

    /** 400 invalid request, 404 unknown model, 503 unavailable, ... */
    public int status() {
      return status;
    }
  }

  /**
   * An inference answer.
   *
   * @param modelName the {@code model_name} answered
   * @param id the {@code id} echoed, or null
   * @param outputs the outputs, in raw little-endian form
   */
  record Result(String modelName, String id, List<InferTensor> outputs) {}

  /** What the client is, for test names. */
  String describe();

  boolean live() throws Failure, Exception;

  boolean ready() throws Failure, Exception;

  boolean modelReady(String model, String version) throws Failure, Exception;

  /** {@code {"name", "version", "extensions"}}. */
  JsonObject serverMetadata() throws Failure, Exception;

  /** {@code {"name", "versions", "platform", "inputs", "outputs"}}. */
  JsonObject modelMetadata(String model, String version) throws Failure, Exception;

  /** Runs an inference; {@code outputs} empty asks for all outputs. */
  default Result infer(String model, String version, String id, List<InferTensor> inputs, List<String> outputs)
      throws Failure, Exception {
    return infer(model, version, id, inputs, outputs, Map.of(), Map.of());
  }

  /**
   * Runs an inference with string {@code parameters} on the request and {@code inputParameters} on inputs (by input
   * name); {@code outputs} empty asks for all outputs.
   */
  Result infer(
      String model, String version, String id, List<InferTensor> inputs, List<String> outputs,
      Map<String, String> parameters, Map<String, Map<String, String>> inputParameters) throws Failure, Exception;

  /** The base URI when this client speaks REST, for the suite's REST-only checks. */
  default Optional<URI> httpBase() {
    return Optional.empty();
  }

  /**
   * Releases the client's connections (not {@code close()}: JUnit closes {@code AutoCloseable} test arguments after
   * each invocation, and the suite shares its clients).
   */
  default void shutdown() throws Exception {}
}
