package io.servingkit.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.servingkit.binary.TensorCodecs;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Decode + encode throughput of the binary mode's codecs for one 1x3x224x224 float32 tensor (602,112 data bytes), the
 * request and response bodies of an image model, in every wire format, against DJL's own {@code NDList.decode} and
 * {@code NDList.encode} as the baseline ({@code codec=djl-*}; DJL has no JSON codec).
 *
 * <p>One operation decodes a request body into arrays of a PyTorch {@link NDManager} and encodes them back in the same
 * format: what a binary-mode request costs besides the model. {@code tensorBytes} (an auxiliary counter) is the tensor
 * data moved per second; divided by 1e6 it is the MB/s figure. Run with the GC profiler to see copies: its
 * {@code gc.alloc.rate.norm} is the heap bytes allocated per operation, i.e. about 602,112 bytes per heap copy of the
 * tensor (direct buffers handed to the engine are off-heap and not counted there).
 *
 * <p>Run (after {@code mvn -o -q -pl benchmarks -am package -DskipTests}):
 *
 * <pre>
 * mvn -o -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/cp.txt) -Dai.djl.offline=true \
 *     org.openjdk.jmh.Main TensorCodecBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class TensorCodecBenchmark {
  private static final long[] SHAPE = {1, 3, 224, 224};
  private static final long TENSOR_BYTES = 3 * 224 * 224 * 4;

  /**
   * Wire format, named by its media type's subtype; {@code djl-} runs DJL's own {@code NDList.decode/encode} on a body
   * DJL encoded, the others {@link TensorCodecs} on a body it encoded.
   */
  @Param({"ndlist", "npz", "safetensors", "json", "djl-ndlist", "djl-npz", "djl-safetensors"})
  public String codec;

  private NDManager root;
  private byte[] body;
  private String mediaType;
  private NDList.Encoding djlEncoding;

  /** Tensor data bytes moved, reported per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Moved {
    public long tensorBytes;

    @Setup(Level.Iteration)
    public void reset() {
      tensorBytes = 0;
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    String format = codec.startsWith("djl-") ? codec.substring(4) : codec;
    mediaType = format.equals("json") ? "application/json" : "tensor/" + format;
    if (codec.startsWith("djl-")) {
      djlEncoding =
          format.equals("npz")
              ? NDList.Encoding.NPZ
              : format.equals("safetensors") ? NDList.Encoding.SAFETENSORS : NDList.Encoding.ND_LIST;
    }
    root = NDManager.newBaseManager("PyTorch");
    float[] data = new float[(int) (TENSOR_BYTES / 4)];
    Random random = new Random(0);
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextGaussian();
    }
    try (NDManager m = root.newSubManager()) {
      NDList x = new NDList(m.create(data, new Shape(SHAPE)));
      // each implementation decodes bodies in its own encoding (DJL's npz entries are deflated, ours stored)
      body = djlEncoding != null ? x.encode(djlEncoding) : TensorCodecs.encode(x, mediaType, null).body();
      if (format.equals("json")) {
        // a response is {"predictions": [...]}; a request carries the same array as {"inputs": [...]}
        String response = new String(body, StandardCharsets.UTF_8);
        body = ("{\"inputs\"" + response.substring("{\"predictions\"".length())).getBytes(StandardCharsets.UTF_8);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    root.close();
  }

  @Benchmark
  public byte[] decodeEncode(Moved moved) {
    try (NDManager m = root.newSubManager()) {
      byte[] out;
      if (djlEncoding != null) {
        out = NDList.decode(m, body).encode(djlEncoding);
      } else {
        out = TensorCodecs.encode(TensorCodecs.decode(body, mediaType, m), mediaType, null).body();
      }
      moved.tensorBytes += TENSOR_BYTES;
      return out;
    }
  }
}
