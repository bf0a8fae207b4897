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
import java.util.List;
import java.util.Set;

/** The boundary between engine-free {@link Tensor}s and DJL {@link NDArray}s. */
final class NdArrays {
  /** Types DJL's PyTorch engine cannot create from bytes without aborting the process (DJL 0.36, libtorch 2.7.1). */
  private static final Set<DType> PYTORCH_UNSAFE =
      Set.of(DType.BFLOAT16, DType.INT16, DType.UINT16, DType.UINT32, DType.UINT64);

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
    if (t.dtype() == DType.STRING) {
      return strings(t.name(), t.shape(), t.strings(), manager);
    }
    return create(t.name(), t.dtype(), t.shape(), List.of(t.data()), manager);
  }

  /**
   * Creates one fixed-width array whose elements are {@code parts} back to back, copying them once into a direct
   * buffer the engine reads without another copy.
   */
  static NDArray create(String name, DType dtype, long[] shape, List<ByteBuffer> parts, NDManager manager) {
    String engine = engineName(manager);
    if (dtype == DType.COMPLEX64 || "PyTorch".equals(engine) && PYTORCH_UNSAFE.contains(dtype)) {
      // DJL 0.36 gives COMPLEX64 a 4-byte width, and its PyTorch engine aborts the JVM for these types
      throw new BadInputException(refusal(name, dtype, shape, engine));
    }
    long total = 0;
    for (ByteBuffer part : parts) {
      total += part.remaining();
    }
    if (total != Shapes.byteSize(shape, dtype.width())) {
      throw new IllegalArgumentException(total + " bytes do not fill " + dtype + " " + Shapes.format(shape));
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new BadInputException(
          "input " + (name == null ? "" : "'" + name + "' ") + Shapes.format(shape) + " is larger than 2 GiB");
    }
    NDArray array;
    try {
      ByteBuffer direct = manager.allocateDirect((int) total);
      for (ByteBuffer part : parts) {
        direct.put(part.duplicate());
      }
      direct.rewind();
      array = manager.create(direct.order(ByteOrder.nativeOrder()), new Shape(shape), dtype.djl());
    } catch (RuntimeException e) {
      throw new BadInputException(refusal(name, dtype, shape, engine) + ": " + e.getMessage(), e);
    }
    if (name != null) {
      array.setName(name);
    }
    return array;
  }

  static NDArray strings(String name, long[] shape, String[] values, NDManager manager) {
    NDArray array;
    try {
      array = manager.create(values, StandardCharsets.UTF_8, new Shape(shape));
    } catch (RuntimeException e) {
      throw new BadInputException(
          refusal(name, DType.STRING, shape, engineName(manager)) + ": " + e.getMessage(), e);
    }
    if (name != null) {
      array.setName(name);
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
      throw new BadInputException(
          "model output " + (array.getName() == null ? "" : "'" + array.getName() + "' ") + "has unsupported type "
              + array.getDataType());
    }
    long[] shape = array.getShape().getShape();
    if (dtype == DType.STRING) {
      return Tensor.ofStrings(array.getName(), shape, array.toStringArray(StandardCharsets.UTF_8));
    }
    ByteBuffer data = array.toByteBuffer(true);
    ByteBuffer le = ByteOrders.toLittleEndian(data.slice(), data.order(), dtype.swapUnit());
    return Tensor.of(array.getName(), dtype, shape, le);
  }

  private static String refusal(String name, DType dtype, long[] shape, String engine) {
    return "the " + engine + " engine cannot take " + dtype + " tensors (input "
        + (name == null ? "" : "'" + name + "' ") + "of shape " + Shapes.format(shape) + ")";
  }

  private static String engineName(NDManager manager) {
    try {
      return manager.getEngine().getEngineName();
    } catch (RuntimeException e) {
      return "model's";
    }
  }
}
