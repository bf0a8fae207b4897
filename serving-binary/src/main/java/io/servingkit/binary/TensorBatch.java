package io.servingkit.binary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Requests with the same input signature that run as one model call: joins their tensors into the model's input
 * (stacked, concatenated, or, for a single request without batching, as they are) and splits the model's output back
 * into one tensor list per request.
 *
 * <p>Joining copies each request's bytes once, straight into engine-readable memory; splitting takes views.
 */
final class TensorBatch {
  private final BatchMode mode;
  private final List<List<Tensor>> requests;
  private final List<OutputFormat> formats;

  TensorBatch(BatchMode mode, List<List<Tensor>> requests, List<OutputFormat> formats) {
    if (requests.isEmpty() || requests.size() != formats.size()) {
      throw new IllegalArgumentException("a batch needs one format per request, and at least one request");
    }
    if (mode == BatchMode.NONE && requests.size() != 1) {
      throw new IllegalArgumentException("without a batchifier a batch holds one request");
    }
    this.mode = mode;
    this.requests = requests;
    this.formats = formats;
  }

  int size() {
    return requests.size();
  }

  OutputFormat format(int request) {
    return formats.get(request);
  }

  /**
   * The key under which requests may share a call: the number of inputs and each input's name, type and shape (for
   * {@link BatchMode#CONCAT}, the shape after the leading dimension).
   *
   * @throws BadInputException when the request cannot be batched this way
   */
  static String signature(BatchMode mode, List<Tensor> inputs) {
    StringBuilder sb = new StringBuilder().append(inputs.size());
    long rows = -1;
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      long[] shape = t.shape();
      if (mode == BatchMode.CONCAT) {
        if (shape.length == 0) {
          throw new BadInputException(
              "batchifier=concat needs a leading batch dimension, but input " + i + " is a scalar");
        }
        if (rows >= 0 && shape[0] != rows) {
          throw new BadInputException(
              "batchifier=concat needs every input of a request to have the same leading dimension, but input " + i
                  + " has " + shape[0] + " rows and input 0 has " + rows);
        }
        rows = shape[0];
        shape = Arrays.copyOfRange(shape, 1, shape.length);
      }
      sb.append('|').append(t.name()).append(':').append(t.dtype()).append(Shapes.format(shape));
    }
    return sb.toString();
  }

  /** The model input: every request's tensors joined per input position, created in {@code manager}. */
  NDList join(NDManager manager) {
    List<Tensor> first = requests.get(0);
    NDList list = new NDList(first.size());
    for (int i = 0; i < first.size(); i++) {
      list.add(joinInput(i, manager));
    }
    return list;
  }

  private NDArray joinInput(int index, NDManager manager) {
    Tensor first = requests.get(0).get(index);
    if (mode == BatchMode.NONE) {
      return NdArrays.toNDArray(first, manager);
    }
    long[] shape = first.shape();
    long[] joined;
    if (mode == BatchMode.STACK) {
      joined = new long[shape.length + 1];
      joined[0] = requests.size();
      System.arraycopy(shape, 0, joined, 1, shape.length);
    } else {
      joined = shape.clone();
      joined[0] = 0;
      for (List<Tensor> r : requests) {
        joined[0] += r.get(index).dim(0);
      }
    }
    if (first.dtype() == DType.STRING) {
      List<String> all = new ArrayList<>();
      for (List<Tensor> r : requests) {
        all.addAll(Arrays.asList(r.get(index).strings()));
      }
      return NdArrays.strings(first.name(), joined, all.toArray(new String[0]), manager);
    }
    List<ByteBuffer> parts = new ArrayList<>(requests.size());
    for (List<Tensor> r : requests) {
      parts.add(r.get(index).data());
    }
    return NdArrays.create(first.name(), first.dtype(), joined, parts, manager);
  }

  /**
   * Splits the model output into one tensor list per request. The tensors view {@code outputs}: encode them before
   * the arrays close.
   *
   * @throws BadInputException when an output's leading dimension does not match the batch
   */
  List<List<Tensor>> split(NDList outputs) {
    List<Tensor> whole = NdArrays.view(outputs);
    List<List<Tensor>> perRequest = new ArrayList<>(requests.size());
    for (int r = 0; r < requests.size(); r++) {
      perRequest.add(new ArrayList<>(whole.size()));
    }
    for (int o = 0; o < whole.size(); o++) {
      Tensor out = whole.get(o);
      if (mode == BatchMode.NONE) {
        perRequest.get(0).add(out);
        continue;
      }
      long expected = mode == BatchMode.STACK ? requests.size() : totalRows();
      if (out.ndim() == 0 || out.dim(0) != expected) {
        throw new BadInputException(
            "model output " + o + " has shape " + Shapes.format(out.shape()) + ", but the batch of "
                + requests.size() + " request(s) needs a leading dimension of " + expected
                + " to split it per request");
      }
      long row = 0;
      for (int r = 0; r < requests.size(); r++) {
        long rows = mode == BatchMode.STACK ? 1 : requests.get(r).get(0).dim(0);
        perRequest.get(r).add(slice(out, row, rows, mode == BatchMode.STACK));
        row += rows;
      }
    }
    return perRequest;
  }

  private long totalRows() {
    long n = 0;
    for (List<Tensor> r : requests) {
      n += r.get(0).dim(0);
    }
    return n;
  }

  /** Rows {@code [from, from + count)} of {@code t}'s first axis; with {@code squeeze} the axis is dropped. */
  static Tensor slice(Tensor t, long from, long count, boolean squeeze) {
    long[] shape = t.shape();
    long[] out = squeeze ? Arrays.copyOfRange(shape, 1, shape.length) : shape.clone();
    if (!squeeze) {
      out[0] = count;
    }
    long rowElements = Shapes.size(Arrays.copyOfRange(shape, 1, shape.length));
    if (t.dtype() == DType.STRING) {
      String[] strings =
          Arrays.copyOfRange(t.strings(), (int) (from * rowElements), (int) ((from + count) * rowElements));
      return Tensor.ofStrings(t.name(), out, strings);
    }
    long rowBytes = rowElements * t.dtype().width();
    ByteBuffer data = t.data();
    data.position((int) (from * rowBytes)).limit((int) ((from + count) * rowBytes));
    return Tensor.of(t.name(), t.dtype(), out, data);
  }
}
