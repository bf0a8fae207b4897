package io.servingkit.paddle;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrayAdapter;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor on this side of the PaddlePaddle worker: its values as bytes in native order, its shape and type. It
 * is what translators create and what the worker's outputs come back as; operators are delegated by {@link
 * NDArrayAdapter} to the alternative engine (and fail with {@link UnsupportedOperationException} without one).
 *
 * <p>Threading: not thread-safe, like every DJL array.
 */
final class PaddleNDArray extends NDArrayAdapter {

  private ByteBuffer data;

  PaddleNDArray(NDManager manager, NDManager alternativeManager, ByteBuffer data, Shape shape, DataType dataType) {
    super(manager, alternativeManager, shape, dataType, NDManager.nextUid());
    this.data = data;
    manager.attachInternal(uid, this);
  }

  @Override
  public ByteBuffer toByteBuffer(boolean tryDirect) {
    if (isClosed) {
      throw new IllegalStateException("the array " + uid + " is closed");
    }
    return data.duplicate().rewind().order(ByteOrder.nativeOrder());
  }

  @Override
  public void intern(NDArray replaced) {
    PaddleNDArray other = (PaddleNDArray) replaced;
    data = other.data;
    shape = other.shape;
    dataType = other.dataType;
  }

  @Override
  public void detach() {
    manager.detachInternal(getUid());
    manager = ((PaddleEngine) Engine.getEngine(PaddleEngine.ENGINE_NAME)).systemManager();
  }

  @Override
  public void close() {
    super.close();
    data = null;
  }
}
