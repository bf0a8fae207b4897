package io.servingkit.binary;

import static io.servingkit.binary.TestTensors.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our encoders and DJL's own {@code NDList.encode/decode} agree: DJL reads what we write (and writes it back byte for
 * byte), and we read what DJL writes in every encoding.
 */
class DjlInteropTest {
  private static NDManager pytorch;
  private static NDManager onnx;

  @BeforeAll
  static void engines() {
    pytorch = NDManager.newBaseManager("PyTorch");
    onnx = NDManager.newBaseManager("OnnxRuntime");
  }

  @AfterAll
  static void close() {
    pytorch.close();
    onnx.close();
  }

  /** The types DJL's PyTorch engine creates from bytes without aborting the JVM. */
  private static final List<DType> PYTORCH_TYPES =
      List.of(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.UINT8, DType.INT8, DType.INT32, DType.INT64,
          DType.BOOLEAN);

  @Test
  void djlDecodesOurNdListAndWritesTheSameBytes() {
    for (DType dtype : PYTORCH_TYPES) {
      for (long[] shape : CodecRoundTripTest.SHAPES) {
        List<Tensor> tensors = List.of(TestTensors.random(null, dtype, shape, 5), TestTensors.random("n", dtype, shape, 6));
        byte[] ours = NdListCodec.encode(tensors);
        try (NDManager m = pytorch.newSubManager()) {
          NDList decoded = NDList.decode(m, ours);
          assertThat(decoded.encode()).as("%s %s", dtype, Shapes.format(shape)).isEqualTo(ours);
        }
      }
    }
  }

  @Test
  void djlDecodesOurStringNdList() {
    Tensor strings = Tensor.ofStrings("words", shape(2, 2), new String[] {"a", "é€", "", "x😀y"});
    byte[] ours = NdListCodec.encode(List.of(strings));
    try (NDManager m = onnx.newSubManager()) {
      NDList decoded = NDList.decode(m, ours);
      assertThat(decoded.get(0).toStringArray()).containsExactly("a", "é€", "", "x😀y");
      assertThat(decoded.encode()).isEqualTo(ours);
    }
  }

  @Test
  void weDecodeEveryDjlEncoding() {
    for (DType dtype : PYTORCH_TYPES) {
      try (NDManager m = pytorch.newSubManager()) {
        NDArray a = NdArrays.toNDArray(TestTensors.random(null, dtype, shape(2, 3), 9), m);
        NDArray b = NdArrays.toNDArray(TestTensors.random("b", dtype, shape(4), 10), m);
        NDList list = new NDList(a, b);
        List<Tensor> expected = NdArrays.view(list);
        for (NDList.Encoding encoding : NDList.Encoding.values()) {
          byte[] djl = list.encode(encoding);
          List<Tensor> ours = InputDecoder.decode(ByteBuffer.wrap(djl), null);
          assertThat(ours).hasSize(2);
          for (int i = 0; i < 2; i++) {
            assertThat(ours.get(i).shape()).isEqualTo(expected.get(i).shape());
            assertThat(ours.get(i).dtype()).as("%s %s", dtype, encoding).isEqualTo(dtype);
            assertThat(ours.get(i).data()).as("%s %s", dtype, encoding).isEqualTo(expected.get(i).data());
          }
        }
      }
    }
  }

  @Test
  void djlDecodesOurNpzAndSafetensors() {
    try (NDManager m = pytorch.newSubManager()) {
      NDList list =
          new NDList(
              NdArrays.toNDArray(TestTensors.random(null, DType.FLOAT32, shape(1, 3, 8, 8), 1), m),
              NdArrays.toNDArray(TestTensors.random("ids", DType.INT64, shape(5), 2), m));
      for (String accept : List.of("tensor/npz", "tensor/safetensors", "tensor/ndlist")) {
        TensorCodecs.Encoded encoded = TensorCodecs.encode(list, accept, null);
        assertThat(encoded.contentType()).isEqualTo(accept);
        NDList back = NDList.decode(m, encoded.body());
        assertThat(back).hasSize(2);
        for (int i = 0; i < 2; i++) {
          assertThat(back.get(i).getDataType()).isEqualTo(list.get(i).getDataType());
          assertThat(back.get(i).contentEquals(list.get(i))).as(accept + " array " + i).isTrue();
        }
        assertThat(back.get(1).getName()).isEqualTo("ids");
      }
    }
  }

  @Test
  void typesThatWouldAbortPyTorchAreRefused() {
    for (DType dtype : List.of(DType.BFLOAT16, DType.INT16, DType.UINT16, DType.UINT32, DType.UINT64, DType.COMPLEX64)) {
      byte[] body = NdListCodec.encode(List.of(TestTensors.random("x", dtype, shape(2), 1)));
      try (NDManager m = pytorch.newSubManager()) {
        assertThatThrownBy(() -> TensorCodecs.decode(body, null, m))
            .isInstanceOf(BadInputException.class)
            .hasMessageContaining("the PyTorch engine cannot take " + dtype + " tensors (input 'x' of shape (2,))");
      }
    }
    byte[] int16 = NdListCodec.encode(List.of(TestTensors.random(null, DType.INT16, shape(2), 1)));
    try (NDManager m = onnx.newSubManager()) {
      assertThatThrownBy(() -> TensorCodecs.decode(int16, null, m))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("the OnnxRuntime engine cannot take INT16 tensors (input of shape (2,)): ");
    }
  }

  @Test
  void publicDecodeCreatesArraysInTheManager() {
    byte[] body = NdListCodec.encode(List.of(TestTensors.floats("x", shape(2), 1.5f, -2f)));
    try (NDManager m = pytorch.newSubManager()) {
      NDList list = TensorCodecs.decode(body, "tensor/ndlist", m);
      assertThat(list.get(0).getName()).isEqualTo("x");
      assertThat(list.get(0).getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(list.get(0).toFloatArray()).containsExactly(1.5f, -2f);
      assertThat(list.get(0).getManager()).isSameAs(m);
    }
  }
}
