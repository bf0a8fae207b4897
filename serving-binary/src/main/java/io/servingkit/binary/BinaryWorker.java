package io.servingkit.binary;

import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.translate.TranslateException;
import io.servingkit.BadInputException;
import io.servingkit.ServingException;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A binary-mode worker. Each request of a batch is decoded on its own, so one malformed request fails alone; the
 * decoded requests are grouped by input signature and each group runs as one model call through the configured
 * batchifier; each request's output is encoded in the format it asked for.
 *
 * <p>When every request of the batch fails the same way the failure is thrown (failing the batch); when only some
 * fail, each failed request gets an {@link Output} with code 400 and a JSON error body like the REST layer's, and the
 * others succeed.
 *
 * <p>Threading: one thread at a time, as {@link ModelWorker} promises.
 */
final class BinaryWorker implements ModelWorker {
  private final Predictor<TensorBatch, List<Output>> predictor;
  private final BatchMode mode;

  BinaryWorker(Predictor<TensorBatch, List<Output>> predictor, BatchMode mode) {
    this.predictor = predictor;
    this.mode = mode;
  }

  /** Decodes one request into a batch of one. */
  static TensorBatch decode(BatchMode mode, Input input) {
    List<Tensor> tensors = tensors(input);
    TensorBatch.signature(mode, tensors);
    return new TensorBatch(mode, List.of(tensors), List.of(format(input)));
  }

  private static List<Tensor> tensors(Input input) {
    return InputDecoder.decode(TensorCodecs.body(input), TensorCodecs.header(input, "Content-Type"));
  }

  static OutputFormat format(Input input) {
    return OutputFormat.negotiate(TensorCodecs.header(input, "Accept"), TensorCodecs.header(input, "Content-Type"));
  }

  @Override
  public List<Output> predict(List<Input> batch) {
    int n = batch.size();
    Output[] outputs = new Output[n];
    ServingException[] failures = new ServingException[n];
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    List<List<Tensor>> decoded = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Input input = batch.get(i);
      List<Tensor> tensors = null;
      try {
        tensors = tensors(input);
        String key = mode == BatchMode.NONE ? "#" + i : TensorBatch.signature(mode, tensors);
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      } catch (BadInputException e) {
        failures[i] = e;
      }
      decoded.add(tensors);
    }
    for (List<Integer> group : groups.values()) {
      List<List<Tensor>> requests = new ArrayList<>(group.size());
      List<OutputFormat> formats = new ArrayList<>(group.size());
      for (int i : group) {
        requests.add(decoded.get(i));
        formats.add(format(batch.get(i)));
      }
      try {
        List<Output> results = predictor.predict(new TensorBatch(mode, requests, formats));
        for (int k = 0; k < group.size(); k++) {
          outputs[group.get(k)] = results.get(k);
        }
      } catch (TranslateException | RuntimeException e) {
        ServingException failure = asServingFailure(e);
        for (int i : group) {
          failures[i] = failure;
        }
      }
    }
    ServingException common = failures[0];
    for (ServingException f : failures) {
      if (f == null || f != common) {
        common = null;
        break;
      }
    }
    if (common != null) {
      throw common;
    }
    List<Output> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      result.add(failures[i] == null ? outputs[i] : errorOutput(failures[i]));
    }
    return result;
  }

  /**
   * The failure to report for a model call that threw: a {@link ServingException} from the translator as is; the
   * engine rejecting the input (wrong shape or type, DJL's {@code TranslateException}) as a
   * {@link BadInputException} with the engine's message, like DJL Serving's 400; anything else is rethrown so that
   * the worker is replaced.
   */
  static ServingException asServingFailure(Exception e) {
    boolean inputRejected = false;
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ServingException) {
        return (ServingException) t;
      }
      if (t instanceof TranslateException
          || t instanceof EngineException
          || t instanceof IllegalArgumentException
          || t instanceof UnsupportedOperationException) {
        inputRejected = true;
      }
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (!inputRejected) {
      throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
    }
    return new BadInputException(message == null ? e.toString() : message, e);
  }

  /** A per-request failure inside a batch that otherwise succeeded. */
  static Output errorOutput(ServingException failure) {
    Output output = new Output(400, "Bad Request");
    StringBuilder sb = new StringBuilder("{\"code\":400,\"type\":");
    // the error type DJL Serving sends for malformed input (the REST error table uses the same)
    Json.appendString(sb, failure instanceof BadInputException ? "TranslateException" : failure.getClass().getSimpleName());
    sb.append(",\"message\":");
    Json.appendString(sb, failure.getMessage() == null ? "" : failure.getMessage());
    sb.append('}');
    output.add(sb.toString().getBytes(StandardCharsets.UTF_8));
    output.addProperty("Content-Type", "application/json");
    return output;
  }

  @Override
  public void close() {
    predictor.close();
  }
}
