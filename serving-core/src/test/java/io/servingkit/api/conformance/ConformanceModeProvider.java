package io.servingkit.api.conformance;

import ai.djl.Device;
import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.util.Pair;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.servingkit.BadInputException;
import io.servingkit.HandlerFailureException;
import io.servingkit.ModelLoadException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.WorkerDiedException;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A real operation mode for the conformance suite: its workers run inside the real {@link
 * io.servingkit.ModelServer} (queue, batcher, worker pool) and behave as the model's {@code
 * conformance.behaviour} property says, so that every REST status and shape can be produced on demand:
 *
 * <ul>
 *   <li>{@code echo}: answers the request body, with the request's content type;
 *   <li>{@code inspect}: answers a JSON picture of the {@link Input} it received (content entries in order,
 *       properties);
 *   <li>{@code fail}: throws the failure named by the {@code x-fail} header, with the {@code x-fail-message};
 *   <li>{@code status}: answers with code {@code x-code}, message {@code x-message} and a custom header;
 *   <li>{@code stream}: answers a {@link ChunkedBytesSupplier} that the test feeds ({@link #stream(String)},
 *       keyed by the {@code x-stream-id} header);
 *   <li>{@code gate}: holds each job until the test opens the model's {@link Gate}, then echoes;
 *   <li>{@code failload}: refuses to load.
 * </ul>
 */
final class ConformanceModeProvider implements ModeProvider {

  static final String BEHAVIOUR = "conformance.behaviour";
  private static final Gson GSON = new Gson();

  private final Map<String, Gate> gates = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Output>> streams = new ConcurrentHashMap<>();

  /** A turnstile a gate model's jobs wait at. */
  static final class Gate {
    private final Semaphore entered = new Semaphore(0);
    private final Semaphore open = new Semaphore(0);

    /** Waits (bounded) until {@code jobs} more jobs are held at the gate. */
    void awaitEntered(int jobs) throws InterruptedException {
      if (!entered.tryAcquire(jobs, 30, TimeUnit.SECONDS)) {
        throw new AssertionError("no job reached the gate within 30 s");
      }
    }

    /** Lets {@code jobs} held or future jobs through. */
    void open(int jobs) {
      open.release(jobs);
    }

    void pass() throws InterruptedException {
      entered.release();
      if (!open.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("gate never opened");
      }
    }
  }

  /** The gate of a gate model. */
  Gate gate(String model) {
    return gates.computeIfAbsent(model, k -> new Gate());
  }

  /**
   * The output of the streamed request with {@code x-stream-id: id}, once its worker produced it; the test
   * feeds its {@link ChunkedBytesSupplier} (its {@code data}) and may change its code before the first chunk.
   */
  Output stream(String id) throws Exception {
    return streams.computeIfAbsent(id, k -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
  }

  @Override
  public String name() {
    return "conformance";
  }

  @Override
  public int priority() {
    return 1_000_000;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.spec().property(BEHAVIOUR).isPresent();
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    String behaviour = context.spec().property(BEHAVIOUR).orElseThrow();
    String model = context.spec().name();
    String version = context.spec().version().orElse(null);
    if (behaviour.equals("failload")) {
      throw new ModelLoadException("conformance model " + model + " refuses to load");
    }
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        return new ModelWorker() {
          @Override
          public List<Output> predict(List<Input> batch) throws Exception {
            List<Output> outputs = new ArrayList<>();
            for (Input input : batch) {
              Output out = answer(behaviour, model, input);
              if (version != null) {
                out.addProperty("x-model-version", version); // which version answered
              }
              outputs.add(out);
            }
            return outputs;
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    };
  }

  private Output answer(String behaviour, String model, Input input) throws Exception {
    switch (behaviour) {
      case "echo":
        return echo(input);
      case "inspect":
        return inspect(input);
      case "fail":
        throw failure(input.getProperty("x-fail", ""), input.getProperty("x-fail-message", "deliberate"));
      case "status":
        {
          Output out =
              new Output(Integer.parseInt(input.getProperty("x-code", "200")), input.getProperty("x-message", "OK"));
          out.addProperty("x-custom", "custom-value");
          out.addProperty("Content-Type", "text/plain");
          out.add("status-body");
          return out;
        }
      case "stream":
        {
          Output out = new Output();
          out.addProperty("Content-Type", "text/plain");
          out.add(new ChunkedBytesSupplier());
          streams.computeIfAbsent(input.getProperty("x-stream-id", ""), k -> new CompletableFuture<>()).complete(out);
          return out;
        }
      case "gate":
        gate(model).pass();
        return echo(input);
      default:
        throw new IllegalStateException("unknown conformance behaviour " + behaviour);
    }
  }

  private static Output echo(Input input) {
    Output out = new Output();
    BytesSupplier data = input.getData();
    out.add(data == null ? new byte[0] : data.getAsBytes());
    String type = input.getProperty("content-type", null);
    if (type != null) {
      out.addProperty("Content-Type", type);
    }
    return out;
  }

  private static Output inspect(Input input) {
    JsonObject picture = new JsonObject();
    JsonArray content = new JsonArray();
    for (Pair<String, BytesSupplier> entry : input.getContent()) {
      JsonArray pair = new JsonArray();
      pair.add(entry.getKey());
      pair.add(new String(entry.getValue().getAsBytes(), StandardCharsets.UTF_8));
      content.add(pair);
    }
    picture.add("content", content);
    JsonObject properties = new JsonObject();
    input.getProperties().forEach(properties::addProperty);
    picture.add("properties", properties);
    picture.addProperty("hostLookup", input.getProperty("HOST", null));
    Output out = new Output();
    out.addProperty("Content-Type", "application/json");
    out.add(GSON.toJson(picture));
    return out;
  }

  private static Exception failure(String kind, String message) {
    return switch (kind) {
      case "BadInputException" -> new BadInputException(message);
      case "HandlerFailureException" -> new HandlerFailureException(message);
      case "NotEnoughMemoryException" -> new NotEnoughMemoryException(message);
      case "PredictTimeoutException" -> new PredictTimeoutException(message);
      case "WorkerDiedException" -> new WorkerDiedException(message);
      default -> new IllegalArgumentException("unknown x-fail " + kind);
    };
  }

  /** How long tests wait for anything. */
  static final Duration WAIT = Duration.ofSeconds(30);
}
