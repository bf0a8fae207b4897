package io.servingkit.python;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
import io.servingkit.api.InferTensor;
import io.servingkit.api.OpenInference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open Inference Protocol requests to Python handlers in real worker processes: a V2 handler that takes its inputs
 * by name ({@code inputs.get_as_tensors()}) and answers named outputs ({@code Output().add_as_tensors({...})}), and a
 * plain DJL-style handler ({@code get_as_numpy()} / {@code add_as_numpy()}) that sees the request as an NDList body.
 */
class OipPythonTest {
  @TempDir static Path workDir;
  static ModelServer server;
  static OpenInference oip;

  @BeforeAll
  static void start() {
    server =
        ModelServer.builder()
            .workDir(workDir)
            .model(PythonTestModels.spec("v2named", PythonTestModels.folder("v2named"), Map.of()))
            .model(PythonTestModels.spec("tensors", PythonTestModels.folder("tensors"), Map.of()))
            .build();
    oip = new OpenInference(server);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aV2HandlerGetsNamedNumpyArraysAndAnswersNamedOutputs() throws Exception {
    // inputs sent in another order than declared: matched by name
    List<InferTensor> inputs =
        List.of(bytes("words", "hello", "wörld"), fp32("scale", 2f), fp32("x", 1f, 2.5f, -3f));
    OpenInference.InferResult r =
        oip.infer("v2named", null, new OpenInference.InferRequest("py-1", inputs, List.of())).get(60, TimeUnit.SECONDS);
    assertThat(r.id()).isEqualTo("py-1");
    assertThat(r.outputs()).extracting(InferTensor::name).containsExactly("scaled", "names", "shout");
    ByteBuffer scaled = r.outputs().get(0).data();
    assertThat(r.outputs().get(0).datatype()).isEqualTo("FP32");
    assertThat(new float[] {scaled.getFloat(), scaled.getFloat(), scaled.getFloat()}).containsExactly(2f, 5f, -6f);
    // the handler saw the inputs in the model's declared order, under their names
    assertThat(strings(r.outputs().get(1))).containsExactly("x", "scale", "words");
    assertThat(strings(r.outputs().get(2))).containsExactly("HELLO", "WÖRLD");
    assertThat(oip.modelMetadata("v2named", null).inputs()).extracting(t -> t.name()).containsExactly("x", "scale", "words");
  }

  @Test
  void aPlainDjlStyleHandlerSeesAnNdListAndItsArraysComeBackAsOutputs() throws Exception {
    OpenInference.InferResult r =
        oip.infer("tensors", null, new OpenInference.InferRequest(null, List.of(fp32("a", 1f, 2f)), List.of()))
            .get(60, TimeUnit.SECONDS);
    // doubled input, sums, mask, names: unnamed NDList arrays are named output0..3
    assertThat(r.outputs()).extracting(InferTensor::name).containsExactly("output0", "output1", "output2", "output3");
    ByteBuffer doubled = r.outputs().get(0).data();
    assertThat(new float[] {doubled.getFloat(), doubled.getFloat()}).containsExactly(2f, 4f);
    assertThat(r.outputs().get(2).datatype()).isEqualTo("BOOL");
  }

  private static InferTensor fp32(String name, float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return InferTensor.of(name, "FP32", new long[] {values.length}, b.flip());
  }

  private static InferTensor bytes(String name, String... values) {
    List<byte[]> all = new ArrayList<>();
    int total = 0;
    for (String v : values) {
      byte[] b = v.getBytes(StandardCharsets.UTF_8);
      all.add(b);
      total += 4 + b.length;
    }
    ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    all.forEach(e -> b.putInt(e.length).put(e));
    return InferTensor.of(name, "BYTES", new long[] {values.length}, b.flip());
  }

  private static List<String> strings(InferTensor t) {
    ByteBuffer d = t.data();
    List<String> out = new ArrayList<>();
    while (d.hasRemaining()) {
      byte[] b = new byte[d.getInt()];
      d.get(b);
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }
}
