package io.servingkit.benchmarks;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.servingkit.ModelSpec;
import io.servingkit.python.PythonModeProvider;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One caller, one Python worker: the round trip of a DJL-style echo handler ({@code Output().add(
 * inputs.get_as_bytes())}) through the Python mode's SPI, for a 64-byte and a 588 KiB body. The baseline is
 * DJL Serving's own Python engine on the same handler (see the issue: 64 B about 9,700 calls/s, p50 93 us;
 * 588 KiB about 600 calls/s, p50 1.5 ms); DJL's Python engine is not published for DJL 0.36, so it cannot
 * run in this JVM next to ours.
 *
 * <p>Run: {@code mvn -o -q -pl benchmarks -am -DskipTests package dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt && java -cp benchmarks/target/classes:$(cat benchmarks/target/cp.txt)
 * org.openjdk.jmh.Main PythonEchoBenchmark -bm thrpt -tu s} (calls/s), then the same with
 * {@code -bm sample -tu us} (latency percentiles). Needs {@code /usr/bin/python3}. Thread settings: one JMH
 * thread, one Python process with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1. Results:
 * {@code benchmarks/results/python-echo.txt}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(1)
public class PythonEchoBenchmark {
  private static final String ECHO = String.join("\n",
      "from djl_python import Input, Output",
      "",
      "",
      "def handle(inputs: Input):",
      "    if inputs.is_empty():",
      "        return None",
      "    return Output().add(inputs.get_as_bytes())",
      "");

  /** Body size in bytes: 64 B, and 588 KiB (a float32 1x3x224x224 tensor in npz is 602,376 bytes). */
  @Param({"64", "602112"})
  public int payloadBytes;

  private Path folder;
  private LoadedModel model;
  private ModelWorker worker;
  private List<Input> batch;

  @Setup(Level.Trial)
  public void start() throws Exception {
    folder = Files.createTempDirectory("servingkit-bench");
    Path modelDir = Files.createDirectories(folder.resolve("echo"));
    Files.writeString(modelDir.resolve("model.py"), ECHO);
    ModelSpec spec = ModelSpec.of("echo", null, modelDir.toUri().toString(),
        Map.of("engine", "Python", "option.pythonExecutable", "/usr/bin/python3"));
    model = new PythonModeProvider().load(new Context(spec, modelDir, folder.resolve("work")), Device.cpu());
    worker = model.newWorker(1);
    byte[] body = new byte[payloadBytes];
    new Random(1).nextBytes(body);
    Input input = new Input();
    input.addProperty("Content-Type", "application/octet-stream");
    input.add("data", body);
    batch = List.of(input);
    byte[] echoed = worker.predict(batch).get(0).getData().getAsBytes();
    if (!Arrays.equals(echoed, body)) {
      throw new IllegalStateException("the echo handler did not echo");
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    worker.close();
    model.close();
    try (Stream<Path> files = Files.walk(folder)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public byte[] echo() throws Exception {
    Output output = worker.predict(batch).get(0);
    return output.getData().getAsBytes();
  }

  private record Context(ModelSpec spec, Path modelDir, Path workDir) implements ModelContext {
    @Override
    public String engine() {
      return "Python";
    }

    @Override
    public ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> translator, Device device) {
      throw new UnsupportedOperationException();
    }
  }
}
