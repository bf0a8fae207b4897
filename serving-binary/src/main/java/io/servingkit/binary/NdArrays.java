package io.servingkit.binary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The boundary between engine-free {@link Tensor}s and DJL {@link NDArray}s. */
final class NdArrays {
  /** Types DJL's PyTorch engine cannot create from bytes without aborting the process (DJL 0.36, libtorch 2.7.1). */
  private static final Set<DType> PYTORCH_UNSAFE =
      EnumSet.of(DType.BFLOAT16, DType.INT16, DType.UINT16, DType.UINT32, DType.UINT64);

  private NdArrays() {}

  /** Creates the arrays in {@code manager}; each array's data is copied once, into memory the engine reads. */
  static NDList toNDList(List<Tensor> tensors, NDManager manager) {
    NDList list = new NDList(tensors.size());
    for (Tensor t : tensors) {
      list.add(toNDArray(t, manager));
    }
    return list;
  }

  static NDArray toNDArray(Tensor t, NDManager manager) {
    Shape shape = new Shape(t.shape());
    String engine = engineName(manager);
    if (t.dtype() == DType.COMPLEX64
        || "PyTorch".equals(engine) && PYTORCH_UNSAFE.contains(t.dtype())) {
      // DJL 0.36 gives COMPLEX64 a 4-byte width, and its PyTorch engine aborts the JVM for these types
      throw new BadInputException(refusal(t, engine));
    }
    NDArray array;
    try {
      if (t.dtype() == DType.STRING) {
        array = manager.create(t.strings(), StandardCharsets.UTF_8, shape);
      } else {
        ByteBuffer direct = manager.allocateDirect(t.byteSize());
        direct.put(t.data()).rewind();
        array = manager.create(direct.order(ByteOrder.nativeOrder()), shape, t.dtype().djl());
      }
    } catch (RuntimeException e) {
      throw new BadInputException(refusal(t, engine) + ": " + e.getMessage(), e);
    }
    if (t.name() != null) {
      array.setName(t.name());
    }
    return array;
  }

  /**
   * Views the arrays as tensors. Fixed-width data is read in place where the engine allows it: the tensors are only
   * valid while the arrays are open.
   */
  static List<Tensor> view(NDList list) {
    List<Tensor> tensors = new ArrayList<>(list.size());
    for (NDArray array : list) {
      tensors.add(view(array));
    }
    return tensors;
  }

  static Tensor view(NDArray array) {
    DType dtype = DType.fromDjl(array.getDataType());
    if (dtype == null) {
      throw new BadInputException("model output '" + array.getName() + "' has unsupported type " + array.getDataType());
    }
    long[] shape = array.getShape().getShape();
    if (dtype == DType.STRING) {
      return Tensor.ofStrings(array.getName(), shape, array.toStringArray(StandardCharsets.UTF_8));
    }
    ByteBuffer data = array.toByteBuffer(true);
    ByteBuffer le = ByteOrders.toLittleEndian(data.slice(), data.order(), dtype.swapUnit());
    return Tensor.of(array.getName(), dtype, shape, le);
  }

  private static String refusal(Tensor t, String engine) {
    return "the " + engine + " engine cannot take " + t.dtype() + " tensors (input "
        + (t.name() == null ? "" : "'" + t.name() + "' ") + "of shape " + Shapes.format(t.shape()) + ")";
  }

  private static String engineName(NDManager manager) {
    try {
      return manager.getEngine().getEngineName();
    } catch (RuntimeException e) {
      return "model's";
    }
  }
}
