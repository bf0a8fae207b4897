package io.servingkit.benchmarks;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code ModelServer.predict} against the raw in-process DJL {@code Predictor} on the same model and input, in the
 * same run: {@code path=raw} calls a predictor per benchmark thread ({@code NDList -> NDList}, no serving layer);
 * {@code path=server} sends the NDList-encoded tensor through {@code ModelServer} (queue, batcher, worker, decode
 * and encode). Models: the tiny ONNX MLP (overhead-dominated) and resnet18 TorchScript (made by
 * {@code examples/models/make_resnet18.py} into {@code benchmarks/models/}, see {@code benchmarks/run-jmh.sh}).
 *
 * <p>Threads: every predictor and worker uses one intra-op thread; run with {@code -t 1} for latency and
 * {@code -t 2} (= cores = workers) for throughput. Run: {@code benchmarks/jmh.sh PredictBenchmark -t 2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Dai.djl.offline=true",
      "-Dai.djl.onnx.disable_alternative=true",
      "-Dai.djl.pytorch.num_threads=1",
      "-Dai.djl.pytorch.num_interop_threads=1"
    })
public class PredictBenchmark {
  @Param({"mlp-onnx", "resnet18-pt"})
  public String model;

  @Param({"raw", "server"})
  public String path;

  /** Workers of the server (and predictors of the raw path: one per benchmark thread). */
  @Param({"2"})
  public int workers;

  ZooModel<NDList, NDList> raw;
  ModelServer server;
  NDManager manager;
  NDList tensor;
  byte[] encoded;

  static Path modelDir(String name) {
    Path examples = Path.of("examples/models", name);
    return examples.toFile().isDirectory() ? examples : Path.of("benchmarks/models", name);
  }

  static Shape inputShape(String name) {
    return name.startsWith("mlp") ? new Shape(1, 4) : new Shape(1, 3, 224, 224);
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = modelDir(model).toAbsolutePath();
    String engine = model.endsWith("onnx") ? "OnnxRuntime" : "PyTorch";
    String prefix = model.substring(0, model.lastIndexOf('-'));
    manager = NDManager.newBaseManager(Device.cpu(), engine);
    Shape shape = inputShape(model);
    float[] values = new float[(int) shape.size()];
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    tensor = new NDList(manager.create(values, shape));
    encoded = tensor.encode();
    if (path.equals("raw")) {
      raw =
          Criteria.builder()
              .setTypes(NDList.class, NDList.class)
              .optModelPath(dir)
              .optModelName(prefix)
              .optEngine(engine)
              .optOption("interOpNumThreads", "1")
              .optOption("intraOpNumThreads", "1")
              .optTranslator(new NoopTranslator())
              .build()
              .loadModel();
    } else {
      server =
          ModelServer.builder()
              .model(
                  ModelSpec.parse("m::" + engine + "=file:" + dir)
                      .with("option.modelName", prefix)
                      .with("option.interOpNumThreads", "1")
                      .with("option.intraOpNumThreads", "1")
                      .with("minWorkers", Integer.toString(workers))
                      .with("maxWorkers", Integer.toString(workers)))
              .build();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (raw != null) {
      raw.close();
    }
    if (server != null) {
      server.close();
    }
    manager.close();
  }

  /** A predictor per benchmark thread, as DJL predictors are not thread-safe. */
  @State(Scope.Thread)
  public static class ThreadPredictor {
    Predictor<NDList, NDList> predictor;

    @Setup(Level.Trial)
    public void setUp(PredictBenchmark b) {
      if (b.raw != null) {
        predictor = b.raw.newPredictor();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      if (predictor != null) {
        predictor.close();
      }
    }
  }

  @Benchmark
  public Object predict(ThreadPredictor local) throws Exception {
    if (local.predictor != null) {
      NDList out = local.predictor.predict(tensor);
      out.close();
      return out;
    }
    Input input = new Input();
    input.add(encoded);
    Output output = server.predict("m", input).join();
    return output.getData().getAsBytes();
  }
}
