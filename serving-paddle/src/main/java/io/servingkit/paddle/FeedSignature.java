package io.servingkit.paddle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.servingkit.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The inputs a PaddlePaddle program declares (its {@code feed} operators, in column order, with each fed
 * variable's type and dimensions), read from the {@code ProgramDesc} protocol buffer of the {@code .pdmodel} file.
 *
 * <p>Requests are checked against it before they reach the worker: Paddle reports a wrong shape or type by
 * throwing a C++ exception through DJL's JNI code, which aborts the process, so a malformed request would cost
 * every in-flight request of the model and a restart. Here it is a {@link BadInputException} instead.
 *
 * <p>Field numbers read (from PaddlePaddle's public {@code framework.proto}): ProgramDesc.blocks = 1;
 * BlockDesc.idx = 1, vars = 3, ops = 4; VarDesc.name = 1, type = 2; VarType.lod_tensor = 3; LoDTensorDesc.tensor
 * = 1; TensorDesc.data_type = 1, dims = 2; OpDesc.outputs = 2, type = 3, attrs = 4; OpDesc.Var.parameter = 1,
 * arguments = 2; OpDesc.Attr.name = 1, i = 3.
 *
 * <p>Threading: immutable.
 */
final class FeedSignature {

  /** Types the worker's engine (DJL 0.27 PaddlePaddle) can feed. */
  static final Set<DataType> SUPPORTED =
      Set.of(DataType.FLOAT32, DataType.FLOAT16, DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8);

  private static final Map<Long, DataType> PADDLE_TYPES =
      Map.of(
          0L, DataType.BOOLEAN,
          1L, DataType.INT16,
          2L, DataType.INT32,
          3L, DataType.INT64,
          4L, DataType.FLOAT16,
          5L, DataType.FLOAT32,
          6L, DataType.FLOAT64,
          20L, DataType.UINT8,
          21L, DataType.INT8,
          22L, DataType.BFLOAT16);

  /** One declared input; {@code dims} holds -1 for a size that may vary, {@code type} null when unknown. */
  record Feed(String name, DataType type, long[] dims) {

    String describe() {
      return (type == null ? "?" : type.toString()) + " " + Arrays.toString(dims);
    }
  }

  private final List<Feed> feeds;

  FeedSignature(List<Feed> feeds) {
    this.feeds = List.copyOf(feeds);
  }

  /** A signature that checks nothing (the program could not be read); Paddle then sees requests as they are. */
  static FeedSignature unknown() {
    return new FeedSignature(List.of());
  }

  List<Feed> feeds() {
    return feeds;
  }

  /** Reads the feeds of {@code program} (a {@code .pdmodel} file). */
  static FeedSignature read(Path program) throws IOException {
    ProtoReader programDesc = new ProtoReader(Files.readAllBytes(program));
    while (programDesc.next()) {
      if (programDesc.field() == 1) {
        ProtoReader block = programDesc.message();
        FeedSignature signature = readBlock(block);
        if (signature != null) {
          return signature;
        }
      } else {
        programDesc.skip();
      }
    }
    throw new IOException("no block 0 in " + program);
  }

  /** The feeds of a block, or null when it is not block 0. */
  private static FeedSignature readBlock(ProtoReader block) throws IOException {
    long idx = 0;
    Map<String, Feed> vars = new HashMap<>();
    Map<Long, String> feedColumns = new HashMap<>();
    while (block.next()) {
      switch (block.field()) {
        case 1 -> idx = block.varint();
        case 3 -> {
          Feed var = readVar(block.message());
          vars.put(var.name(), var);
        }
        case 4 -> readFeedOp(block.message(), feedColumns);
        default -> block.skip();
      }
    }
    if (idx != 0) {
      return null;
    }
    List<Feed> feeds = new ArrayList<>();
    feedColumns.entrySet().stream()
        .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
        .forEach(column -> feeds.add(vars.getOrDefault(column.getValue(), new Feed(column.getValue(), null, null))));
    return new FeedSignature(feeds);
  }

  private static Feed readVar(ProtoReader var) throws IOException {
    String name = null;
    DataType type = null;
    long[] dims = null;
    while (var.next()) {
      if (var.field() == 1) {
        name = var.string();
      } else if (var.field() == 2) {
        ProtoReader varType = var.message();
        while (varType.next()) {
          if (varType.field() == 3) {
            ProtoReader lodTensor = varType.message();
            while (lodTensor.next()) {
              if (lodTensor.field() == 1) {
                ProtoReader tensor = lodTensor.message();
                List<Long> dimList = new ArrayList<>();
                while (tensor.next()) {
                  if (tensor.field() == 1) {
                    type = PADDLE_TYPES.get(tensor.varint());
                  } else if (tensor.field() == 2) {
                    for (long d : tensor.varints()) {
                      dimList.add(d);
                    }
                  } else {
                    tensor.skip();
                  }
                }
                dims = dimList.stream().mapToLong(Long::longValue).toArray();
              } else {
                lodTensor.skip();
              }
            }
          } else {
            varType.skip();
          }
        }
      } else {
        var.skip();
      }
    }
    if (name == null) {
      throw new IOException("a variable without a name");
    }
    return new Feed(name, type, dims);
  }

  /** Records {@code column -> variable} when the operator is a {@code feed}. */
  private static void readFeedOp(ProtoReader op, Map<Long, String> feedColumns) throws IOException {
    String type = null;
    String out = null;
    long column = 0;
    while (op.next()) {
      switch (op.field()) {
        case 3 -> type = op.string();
        case 2 -> {
          ProtoReader var = op.message();
          String parameter = null;
          String argument = null;
          while (var.next()) {
            if (var.field() == 1) {
              parameter = var.string();
            } else if (var.field() == 2 && argument == null) {
              argument = var.string();
            } else {
              var.skip();
            }
          }
          if ("Out".equals(parameter)) {
            out = argument;
          }
        }
        case 4 -> {
          ProtoReader attr = op.message();
          String name = null;
          long value = 0;
          while (attr.next()) {
            if (attr.field() == 1) {
              name = attr.string();
            } else if (attr.field() == 3) {
              value = (int) attr.varint();
            } else {
              attr.skip();
            }
          }
          if ("col".equals(name)) {
            column = value;
          }
        }
        default -> op.skip();
      }
    }
    if ("feed".equals(type) && out != null) {
      feedColumns.put(column, out);
    }
  }

  /**
   * Puts the inputs in the program's order and checks them: inputs all named after the program's inputs are
   * reordered by name, others are taken in order; count, type and every fixed dimension must match.
   *
   * @throws BadInputException naming the first input that does not fit
   */
  NDList arrange(NDList inputs) {
    for (int i = 0; i < inputs.size(); i++) {
      DataType type = inputs.get(i).getDataType();
      if (!SUPPORTED.contains(type)) {
        throw new BadInputException(
            "PaddlePaddle takes float32, float16, int64, int32, int8 or uint8 tensors; input " + i + " is " + type);
      }
    }
    if (feeds.isEmpty()) {
      return inputs;
    }
    if (inputs.size() != feeds.size()) {
      throw new BadInputException(
          "the model takes " + feeds.size() + " input(s) " + names() + ", the request has " + inputs.size());
    }
    NDList ordered = byName(inputs);
    for (int i = 0; i < feeds.size(); i++) {
      check(feeds.get(i), ordered.get(i));
    }
    return ordered;
  }

  private NDList byName(NDList inputs) {
    Map<String, NDArray> named = new HashMap<>();
    for (NDArray array : inputs) {
      if (array.getName() == null || named.put(array.getName(), array) != null) {
        return inputs;
      }
    }
    Set<String> wanted = new HashSet<>();
    feeds.forEach(feed -> wanted.add(feed.name()));
    if (!named.keySet().equals(wanted)) {
      return inputs;
    }
    NDList ordered = new NDList(feeds.size());
    feeds.forEach(feed -> ordered.add(named.get(feed.name())));
    return ordered;
  }

  private static void check(Feed feed, NDArray array) {
    long[] shape = array.getShape().getShape();
    boolean fits = feed.type() == null || feed.type() == array.getDataType();
    if (feed.dims() != null) {
      fits &= feed.dims().length == shape.length;
      for (int d = 0; fits && d < shape.length; d++) {
        fits = feed.dims()[d] < 0 || feed.dims()[d] == shape[d];
      }
    }
    if (!fits) {
      throw new BadInputException(
          "input "
              + feed.name()
              + " must be "
              + feed.describe()
              + " (-1: any size), the request has "
              + array.getDataType()
              + " "
              + Arrays.toString(shape));
    }
  }

  private String names() {
    return feeds.stream().map(Feed::name).collect(Collectors.joining(", ", "[", "]"));
  }
}
