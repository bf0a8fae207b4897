package io.servingkit.internal.javamode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * DJL's {@code stack} batchifier done by copying bytes instead of calling NDArray operators, so that it works on
 * engines whose arrays have no operators (ONNX Runtime without a fallback engine): every input's i-th array must
 * have the same shape and type; they become one array with a new leading batch dimension, and the model's outputs
 * are cut back along that dimension.
 *
 * <p>Threading: stateless.
 */
final class ByteStackBatchifier implements Batchifier {

  private static final long serialVersionUID = 1L;

  @Override
  public NDList batchify(NDList[] inputs) {
    int width = inputs[0].size();
    NDList batch = new NDList(width);
    for (int j = 0; j < width; j++) {
      NDArray first = inputs[0].get(j);
      Shape shape = first.getShape();
      DataType type = first.getDataType();
      if (type == DataType.STRING) {
        throw new IllegalArgumentException("cannot stack string tensors into a batch");
      }
      long itemBytes = shape.size() * type.getNumOfBytes();
      ByteBuffer all = ByteBuffer.allocateDirect(Math.toIntExact(itemBytes * inputs.length)).order(ByteOrder.nativeOrder());
      for (int i = 0; i < inputs.length; i++) {
        if (inputs[i].size() != width) {
          throw new IllegalArgumentException(
              "cannot stack the batch: input " + i + " has " + inputs[i].size() + " tensors, input 0 has " + width);
        }
        NDArray array = inputs[i].get(j);
        if (!array.getShape().equals(shape) || array.getDataType() != type) {
          throw new IllegalArgumentException(
              "cannot stack the batch: tensor "
                  + j
                  + " of input "
                  + i
                  + " is "
                  + array.getDataType()
                  + array.getShape()
                  + ", input 0 has "
                  + type
                  + shape);
        }
        all.put(array.toByteBuffer());
      }
      all.rewind();
      NDArray stacked = first.getManager().create(all, new Shape(inputs.length).addAll(shape), type);
      stacked.setName(first.getName());
      batch.add(stacked);
    }
    return batch;
  }

  @Override
  public NDList[] unbatchify(NDList batch) {
    if (batch.isEmpty()) {
      return new NDList[0];
    }
    int size = Math.toIntExact(batch.get(0).getShape().get(0));
    NDList[] items = new NDList[size];
    for (int i = 0; i < size; i++) {
      items[i] = new NDList(batch.size());
    }
    for (NDArray array : batch) {
      Shape shape = array.getShape();
      if (shape.dimension() == 0 || shape.get(0) != size) {
        throw new IllegalArgumentException(
            "cannot split the model output into " + size + " results: an output has shape " + shape);
      }
      Shape itemShape = shape.slice(1);
      int itemBytes = Math.toIntExact(itemShape.size() * array.getDataType().getNumOfBytes());
      ByteBuffer bytes = array.toByteBuffer();
      for (int i = 0; i < size; i++) {
        ByteBuffer slice = bytes.duplicate();
        slice.position(i * itemBytes).limit((i + 1) * itemBytes);
        NDArray item = array.getManager().create(slice.slice().order(bytes.order()), itemShape, array.getDataType());
        item.setName(array.getName());
        items[i].add(item);
      }
    }
    return items;
  }
}
