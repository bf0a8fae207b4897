package io.servingkit.benchmarks;

import ai.djl.modality.Input;
import io.servingkit.ModelServer;
import java.io.IOException;
import java.nio.file.Files;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Jobs per second through the queue and batcher alone: an echo mode, no model.
 *
 * <p>Run: {@code benchmarks/jmh.sh BatcherBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(8)
public class BatcherBenchmark {
  @Param({"1", "8"})
  public int batchSize;

  private ModelServer server;
  private Path dir;

  @Setup(Level.Trial)
  public void start() throws IOException {
    dir = Files.createTempDirectory("echo");
    Files.writeString(
        dir.resolve("serving.properties"),
        "engine=PyTorch\necho=true\nminWorkers=2\nmaxWorkers=2\nmax_batch_delay=1\nbatch_size=" + batchSize + "\n");
    server = ModelServer.builder().addModeProvider(new EchoMode()).model("echo=file:" + dir).build();
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    server.close();
    Files.deleteIfExists(dir.resolve("serving.properties"));
    Files.deleteIfExists(dir);
  }

  /** One job submitted and awaited per call. */
  @Benchmark
  public Object predict() {
    Input input = new Input();
    input.add("x");
    return server.predict("echo", input).join();
  }
}
