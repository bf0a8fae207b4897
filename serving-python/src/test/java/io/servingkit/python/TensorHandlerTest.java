package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.input;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.withProperty;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NDList and npz in and out of a numpy handler, checked with DJL's own encoder and decoder (PyTorch engine
 * NDManager): what Java clients of DJL Serving send and read.
 */
class TensorHandlerTest {
  @TempDir static Path workDir;
  static OneWorker tensors;
  static ModelWorker worker;
  static NDManager manager;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager("PyTorch");
    tensors = OneWorker.start("tensors", workDir);
    worker = tensors.worker();
  }

  @AfterAll
  static void stop() {
    tensors.close();
    manager.close();
  }

  private static NDList request() {
    return new NDList(
        manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)),
        manager.create(new long[] {5, 6, 7}),
        manager.create(new boolean[] {true, false}));
  }

  @Test
  void ndListInNdListOutDecodesWithDjl() throws Exception {
    Output output = single(worker.predict(List.of(input(request().encode(), "tensor/ndlist"))));

    NDList answer = NDList.decode(manager, output.getData().getAsBytes());
    assertThat(answer).hasSize(6);
    assertThat(answer.get(0).getDataType()).isEqualTo(DataType.FLOAT32);
    assertThat(answer.get(0).getShape()).isEqualTo(new Shape(2, 2));
    assertThat(answer.get(0).toFloatArray()).containsExactly(2, 4, 6, 8);
    assertThat(answer.get(1).getDataType()).isEqualTo(DataType.INT64);
    assertThat(answer.get(1).toLongArray()).containsExactly(10, 12, 14);
    assertThat(answer.get(2).getDataType()).isEqualTo(DataType.BOOLEAN);
    assertThat(answer.get(2).toBooleanArray()).containsExactly(false, true);
    assertThat(answer.get(3).getDataType()).isEqualTo(DataType.FLOAT64);
    assertThat(answer.get(3).toDoubleArray()).containsExactly(10.0, 18.0, 1.0);
    NDArray mask = answer.get(4);
    assertThat(mask.getDataType()).isEqualTo(DataType.BOOLEAN);
    assertThat(mask.getShape()).isEqualTo(new Shape(2, 2));
    assertThat(mask.toBooleanArray()).containsExactly(false, true, true, true);
    assertThat(answer.get(5).getDataType()).isEqualTo(DataType.STRING);
    assertThat(answer.get(5).toStringArray(StandardCharsets.UTF_8)).containsExactly("array0", "array1", "array2");
  }

  @Test
  void npzInNpzOutDecodesWithDjl() throws Exception {
    byte[] npz = request().encode(NDList.Encoding.NPZ);

    Output output = single(worker.predict(List.of(withProperty(input(npz, "tensor/npz"), "Accept", "tensor/npz"))));

    byte[] body = output.getData().getAsBytes();
    assertThat(body[0]).isEqualTo((byte) 'P');
    assertThat(body[1]).isEqualTo((byte) 'K');
    NDList answer = NDList.decode(manager, body);
    assertThat(answer).hasSize(3);
    assertThat(answer.get(0).toFloatArray()).containsExactly(2, 4, 6, 8);
    assertThat(answer.get(1).toLongArray()).containsExactly(10, 12, 14);
    assertThat(answer.get(2).toBooleanArray()).containsExactly(false, true);
  }

  @Test
  void largeTensorsRoundTrip() throws Exception {
    float[] values = new float[3 * 224 * 224];
    for (int i = 0; i < values.length; i++) {
      values[i] = i % 251;
    }
    NDList list = new NDList(manager.create(values, new Shape(1, 3, 224, 224)));

    Output output = single(worker.predict(List.of(input(list.encode(), "tensor/ndlist"))));

    NDArray doubled = NDList.decode(manager, output.getData().getAsBytes()).get(0);
    assertThat(doubled.getShape()).isEqualTo(new Shape(1, 3, 224, 224));
    float[] result = doubled.toFloatArray();
    for (int i = 0; i < values.length; i += 997) {
      assertThat(result[i]).isEqualTo(values[i] * 2);
    }
  }
}
