package io.servingkit.paddle;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;

/**
 * Creates {@link PaddleNDArray}s: numeric tensors held as bytes on this side of the worker process. Operators on
 * them run on the alternative engine's manager that {@link BaseNDManager} attaches when there is one.
 *
 * <p>Threading: as {@link BaseNDManager}: creating arrays from several threads is safe.
 */
class PaddleNDManager extends BaseNDManager {

  private PaddleNDManager(NDManager parent, Device device) {
    super(parent, device);
  }

  /** The root manager of the engine: closing it does nothing and it keeps no reference to what it creates. */
  static PaddleNDManager newSystemManager() {
    return new SystemManager();
  }

  @Override
  public ByteBuffer allocateDirect(int capacity) {
    return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
  }

  @Override
  public PaddleNDArray from(NDArray array) {
    if (array == null || array instanceof PaddleNDArray) {
      return (PaddleNDArray) array;
    }
    PaddleNDArray copy = create(array.toByteBuffer(), array.getShape(), array.getDataType());
    copy.setName(array.getName());
    return copy;
  }

  @Override
  public PaddleNDArray create(Buffer data, Shape shape, DataType dataType) {
    int size = Math.toIntExact(shape.size());
    BaseNDManager.validateBuffer(data, dataType, size);
    ByteBuffer bytes = allocateDirect(size * dataType.getNumOfBytes());
    BaseNDManager.copyBuffer(data, bytes);
    bytes.rewind();
    return new PaddleNDArray(this, alternativeManager, bytes, shape, dataType);
  }

  /** Wraps bytes in native order read from the worker, without copying them. */
  PaddleNDArray wrap(ByteBuffer bytes, Shape shape, DataType dataType) {
    return new PaddleNDArray(this, alternativeManager, bytes.order(ByteOrder.nativeOrder()), shape, dataType);
  }

  @Override
  public NDArray create(String[] data, Charset charset, Shape shape) {
    throw new UnsupportedOperationException("PaddlePaddle tensors hold numbers, not strings");
  }

  @Override
  public NDManager newSubManager(Device device) {
    PaddleNDManager manager = new PaddleNDManager(this, device);
    attachUncappedInternal(manager.uid, manager);
    return manager;
  }

  @Override
  public Engine getEngine() {
    // a global look-up: BaseNDManager calls this from its constructor, before any field of ours is set
    return Engine.getEngine(PaddleEngine.ENGINE_NAME);
  }

  /** The engine's root manager. */
  private static final class SystemManager extends PaddleNDManager {

    SystemManager() {
      super(null, null);
    }

    @Override
    public void attachInternal(String resourceId, AutoCloseable... resources) {}

    @Override
    public void attachUncappedInternal(String resourceId, AutoCloseable resource) {}

    @Override
    public void tempAttachInternal(NDManager originalManager, String resourceId, ai.djl.ndarray.NDResource resource) {}

    @Override
    public void detachInternal(String resourceId) {}

    @Override
    public void close() {}
  }
}
