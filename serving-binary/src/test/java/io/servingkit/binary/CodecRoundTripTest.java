package io.servingkit.binary;

import static io.servingkit.binary.TestTensors.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every dtype and shape survives an encode/decode cycle through every binary format that can hold it. */
class CodecRoundTripTest {

  static final List<long[]> SHAPES =
      List.of(shape(), shape(0), shape(5), shape(2, 3), shape(1, 3, 4, 4), shape(2, 0, 3));

  static Stream<Arguments> dtypesAndShapes() {
    List<Arguments> args = new ArrayList<>();
    for (DType dtype : DType.values()) {
      for (long[] shape : SHAPES) {
        args.add(Arguments.of(dtype, shape));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dtypesAndShapes")
  void ndListRoundTrip(DType dtype, long[] shape) {
    List<Tensor> in =
        List.of(TestTensors.random(null, dtype, shape, 1), TestTensors.random("second", dtype, shape, 2));
    List<Tensor> out = decode(NdListCodec.encode(in), null);
    assertSame(in, out);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dtypesAndShapes")
  void npzRoundTrip(DType dtype, long[] shape) {
    List<Tensor> in =
        List.of(TestTensors.random(null, dtype, shape, 1), TestTensors.random("named", dtype, shape, 2));
    if (dtype == DType.BFLOAT16) {
      assertThatThrownBy(() -> NpzCodec.encode(in))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("numpy has no BFLOAT16 type");
      return;
    }
    assertSame(in, decode(NpzCodec.encode(in), "tensor/npz"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dtypesAndShapes")
  void npyRoundTrip(DType dtype, long[] shape) {
    Tensor in = TestTensors.random(null, dtype, shape, 3);
    if (dtype == DType.BFLOAT16) {
      return;
    }
    List<Tensor> out = decode(NpyCodec.encode(in), "application/octet-stream");
    assertSame(List.of(in), out);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("dtypesAndShapes")
  void safetensorsRoundTrip(DType dtype, long[] shape) {
    List<Tensor> in =
        List.of(TestTensors.random(null, dtype, shape, 1), TestTensors.random("named", dtype, shape, 2));
    if (dtype == DType.STRING) {
      assertThatThrownBy(() -> SafetensorsCodec.encode(in))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("cannot hold STRING");
      return;
    }
    byte[] bytes = SafetensorsCodec.encode(in);
    long headerLength = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat((8 + headerLength) % 8).as("data is 8-byte aligned").isZero();
    assertSame(in, decode(bytes, "tensor/safetensors"));
  }

  @Test
  void ndListWritesDjlLayout() {
    Tensor t = TestTensors.floats(null, shape(1, 2), 1f, 2f);
    byte[] bytes = NdListCodec.encode(List.of(t));
    // count=1, "NDAR", version 3, no name, "DENSE", "FLOAT32", ndim 2, dims, 2 layout chars '?', '<', length 8
    String hex = hex(bytes);
    assertThat(hex)
        .isEqualTo(
            "00000001" + "00044e444152" + "00000003" + "00" + "000544454e5345" + "0007464c4f41543332"
                + "00000002" + "0000000000000001" + "0000000000000002" + "00000002" + "003f003f" + "3c"
                + "00000008" + "0000803f" + "00000040");
  }

  @Test
  void jsonOutputIsDjlPredictions() {
    Tensor t = TestTensors.floats(null, shape(1, 3), 0.49961692f, -0.02272991f, Float.NaN);
    String json = new String(JsonTensorCodec.encode(List.of(t)), StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"predictions\":[[0.49961692,-0.02272991,NaN]]}");
    Tensor scalar = TestTensors.floats("s", shape(), 2.5f);
    Tensor empty = TestTensors.floats(null, shape(2, 0));
    json = new String(JsonTensorCodec.encode(List.of(scalar, empty)), StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"predictions\":[{\"key\":\"s\",\"value\":2.5},{\"value\":[[],[]]}]}");
  }

  @Test
  void jsonOutputOfEveryType() {
    assertThat(json(TestTensors.random(null, DType.BOOLEAN, shape(3), 7))).matches("\\{\"predictions\":\\[(true|false)(,(true|false)){2}]}");
    Tensor strings = Tensor.ofStrings(null, shape(2), new String[] {"a\"b", "é\n"});
    assertThat(json(strings)).isEqualTo("{\"predictions\":[\"a\\\"b\",\"é\\n\"]}");
    ByteBuffer u64 = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(-1L).flip();
    assertThat(json(Tensor.of(null, DType.UINT64, shape(1), u64))).isEqualTo("{\"predictions\":[18446744073709551615]}");
    ByteBuffer half = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3c00).putShort((short) 0xc000).flip();
    assertThat(json(Tensor.of(null, DType.FLOAT16, shape(2), half))).isEqualTo("{\"predictions\":[1.0,-2.0]}");
    ByteBuffer f64 = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(3).putDouble(0.5).flip();
    assertThat(json(Tensor.of(null, DType.FLOAT64, shape(2), f64))).isEqualTo("{\"predictions\":[3,0.5]}");
  }

  @Test
  void csvOutput() {
    Tensor matrix = TestTensors.floats(null, shape(2, 2), 1f, 2.5f, -3f, 4f);
    Tensor row = Tensor.ofStrings(null, shape(2), new String[] {"a,b", "c"});
    String csv = new String(CsvTensorCodec.encode(List.of(matrix, row)), StandardCharsets.UTF_8);
    assertThat(csv).isEqualTo("1.0,2.5\n-3.0,4.0\n\"a,b\",c\n");
    assertThatThrownBy(() -> CsvTensorCodec.encode(List.of(TestTensors.floats("x", shape(1, 1, 1), 1f))))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("shape (1, 1, 1)");
  }

  @Test
  void jsonAndCsvInput() {
    assertThat(floats(decode("[1, 2.5, -3]".getBytes(StandardCharsets.UTF_8), "application/json")))
        .containsExactly(1f, 2.5f, -3f);
    List<Tensor> nested = decode("{\"inputs\":[[1,2],[3,4]]}".getBytes(StandardCharsets.UTF_8), "Application/JSON; charset=utf-8");
    assertThat(nested.get(0).shape()).containsExactly(2, 2);
    List<Tensor> instances = decode("{\"other\":{\"a\":[1]},\"instances\":[[[1],[2]]]}".getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(instances.get(0).shape()).containsExactly(1, 2, 1);
    List<Tensor> empty = decode("[[],[]]".getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(empty.get(0).shape()).containsExactly(2, 0);
    List<Tensor> csv = decode("a,b\n1,2\n3,4.5\n".getBytes(StandardCharsets.UTF_8), "text/csv");
    assertThat(csv.get(0).shape()).containsExactly(2, 2);
    assertThat(floats(csv)).containsExactly(1f, 2f, 3f, 4.5f);
  }

  @Test
  void negotiation() {
    // DJL's rule (NoopServingTranslatorFactory.processOutput): npz if either header says npz, then safetensors,
    // then JSON, else NDList; Accept is compared as a whole string
    assertThat(OutputFormat.negotiate(null, null)).isEqualTo(OutputFormat.NDLIST);
    assertThat(OutputFormat.negotiate("*/*", "tensor/npz")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("application/json", "tensor/npz")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("tensor/ndlist", "tensor/npz")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("tensor/npz", "tensor/ndlist")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("application/json", "tensor/ndlist")).isEqualTo(OutputFormat.JSON);
    assertThat(OutputFormat.negotiate("tensor/safetensors", "tensor/ndlist")).isEqualTo(OutputFormat.SAFETENSORS);
    assertThat(OutputFormat.negotiate("tensor/npz", "tensor/safetensors")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("application/json", "tensor/safetensors")).isEqualTo(OutputFormat.SAFETENSORS);
    assertThat(OutputFormat.negotiate("application/json", "application/octet-stream")).isEqualTo(OutputFormat.JSON);
    assertThat(OutputFormat.negotiate(" Tensor/NPZ ", "application/octet-stream")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate("image/png", "application/octet-stream")).isEqualTo(OutputFormat.NDLIST);
    assertThat(OutputFormat.negotiate("text/html, tensor/npz", null)).isEqualTo(OutputFormat.NDLIST);
    assertThat(OutputFormat.negotiate("text/csv", null)).isEqualTo(OutputFormat.CSV);
    assertThat(OutputFormat.negotiate("text/csv", "application/json")).isEqualTo(OutputFormat.JSON);
    assertThat(OutputFormat.negotiate(null, "Tensor/NPZ; charset=utf-8")).isEqualTo(OutputFormat.NPZ);
    assertThat(OutputFormat.negotiate(null, "application/json")).isEqualTo(OutputFormat.JSON);
  }

  static List<Tensor> decode(byte[] bytes, String contentType) {
    return InputDecoder.decode(ByteBuffer.wrap(bytes), contentType);
  }

  static float[] floats(List<Tensor> tensors) {
    assertThat(tensors).hasSize(1);
    return TestTensors.floatsOf(tensors.get(0));
  }

  static String json(Tensor t) {
    return new String(JsonTensorCodec.encode(List.of(t)), StandardCharsets.UTF_8);
  }

  static void assertSame(List<Tensor> expected, List<Tensor> actual) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).sameAs(expected.get(i)))
          .as("tensor %d: expected %s, got %s", i, expected.get(i), actual.get(i))
          .isTrue();
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
