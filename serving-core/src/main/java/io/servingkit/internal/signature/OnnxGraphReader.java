package io.servingkit.internal.signature;

import io.servingkit.ModelSignature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the graph inputs and outputs of an ONNX file (a protobuf {@code ModelProto}) without a protobuf library:
 * {@code graph} (field 7) holds {@code initializer} (5, {@code TensorProto} with {@code name} 8), {@code input}
 * (11) and {@code output} (12), each a {@code ValueInfoProto}: {@code name} (1) and {@code type} (2), a
 * {@code TypeProto} whose {@code tensor_type} (1) has {@code elem_type} (1) and {@code shape} (2) of {@code dim}s
 * (1) with {@code dim_value} (1) or {@code dim_param} (2). Inputs that are also initializers (weights, in files
 * exported before IR version 4) are left out; a symbolic or missing dimension is {@code -1}.
 */
final class OnnxGraphReader {

  /** ONNX {@code TensorProto.DataType} numbers to Open Inference Protocol datatypes; null where none exists. */
  private static final String[] DATATYPES = {
    null, "FP32", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "BYTES", "BOOL", "FP16", "FP64", "UINT32",
    "UINT64", null, null, "BF16"
  };

  private OnnxGraphReader() {}

  static ModelSignature read(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
      ByteBuffer graph = null;
      Reader model = new Reader(map);
      while (model.hasMore()) {
        int tag = model.tag();
        if (tag >>> 3 == 7 && (tag & 7) == 2) {
          graph = model.bytes();
        } else {
          model.skip(tag);
        }
      }
      if (graph == null) {
        throw new IOException("no graph in " + file);
      }
      Set<String> initializers = new HashSet<>();
      List<ByteBuffer> inputs = new ArrayList<>();
      List<ByteBuffer> outputs = new ArrayList<>();
      Reader g = new Reader(graph);
      while (g.hasMore()) {
        int tag = g.tag();
        int field = tag >>> 3;
        if ((tag & 7) != 2 || (field != 5 && field != 11 && field != 12)) {
          g.skip(tag);
          continue;
        }
        ByteBuffer value = g.bytes();
        if (field == 5) {
          initializers.add(tensorName(value));
        } else if (field == 11) {
          inputs.add(value);
        } else {
          outputs.add(value);
        }
      }
      List<ModelSignature.Tensor> in = new ArrayList<>();
      for (ByteBuffer b : inputs) {
        ModelSignature.Tensor t = valueInfo(b);
        if (!initializers.contains(t.name())) {
          in.add(t);
        }
      }
      List<ModelSignature.Tensor> out = new ArrayList<>();
      for (ByteBuffer b : outputs) {
        out.add(valueInfo(b));
      }
      return new ModelSignature(in, out);
    }
  }

  private static String tensorName(ByteBuffer tensor) {
    Reader r = new Reader(tensor);
    while (r.hasMore()) {
      int tag = r.tag();
      if (tag >>> 3 == 8 && (tag & 7) == 2) {
        return r.string();
      }
      r.skip(tag);
    }
    return "";
  }

  private static ModelSignature.Tensor valueInfo(ByteBuffer info) {
    Reader r = new Reader(info);
    String name = "";
    String datatype = "BYTES";
    List<Long> shape = new ArrayList<>();
    while (r.hasMore()) {
      int tag = r.tag();
      if (tag >>> 3 == 1 && (tag & 7) == 2) {
        name = r.string();
      } else if (tag >>> 3 == 2 && (tag & 7) == 2) {
        Reader type = new Reader(r.bytes());
        while (type.hasMore()) {
          int t = type.tag();
          if (t >>> 3 == 1 && (t & 7) == 2) {
            Reader tensor = new Reader(type.bytes());
            while (tensor.hasMore()) {
              int tt = tensor.tag();
              if (tt >>> 3 == 1 && (tt & 7) == 0) {
                long elem = tensor.varint();
                String dt = elem >= 0 && elem < DATATYPES.length ? DATATYPES[(int) elem] : null;
                datatype = dt == null ? "BYTES" : dt;
              } else if (tt >>> 3 == 2 && (tt & 7) == 2) {
                shape = dims(tensor.bytes());
              } else {
                tensor.skip(tt);
              }
            }
          } else {
            type.skip(t);
          }
        }
      } else {
        r.skip(tag);
      }
    }
    return new ModelSignature.Tensor(name, datatype, shape);
  }

  private static List<Long> dims(ByteBuffer shape) {
    List<Long> dims = new ArrayList<>();
    Reader r = new Reader(shape);
    while (r.hasMore()) {
      int tag = r.tag();
      if (tag >>> 3 == 1 && (tag & 7) == 2) {
        Reader dim = new Reader(r.bytes());
        long value = -1;
        while (dim.hasMore()) {
          int t = dim.tag();
          if (t >>> 3 == 1 && (t & 7) == 0) {
            value = dim.varint();
          } else {
            dim.skip(t);
          }
        }
        dims.add(value > 0 ? value : -1);
      } else {
        r.skip(tag);
      }
    }
    return dims;
  }

  /** Protobuf wire-format reading over a buffer; every read checks the bounds. */
  private static final class Reader {
    private final ByteBuffer buf;

    Reader(ByteBuffer buf) {
      this.buf = buf.slice();
    }

    boolean hasMore() {
      return buf.hasRemaining();
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf.get();
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new IllegalStateException("malformed varint");
    }

    ByteBuffer bytes() {
      long length = varint();
      if (length < 0 || length > buf.remaining()) {
        throw new IllegalStateException("field length " + length + " runs past the end");
      }
      ByteBuffer value = buf.slice();
      value.limit((int) length);
      buf.position(buf.position() + (int) length);
      return value;
    }

    String string() {
      ByteBuffer b = bytes();
      byte[] a = new byte[b.remaining()];
      b.get(a);
      return new String(a, StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> buf.position(buf.position() + 8);
        case 2 -> bytes();
        case 5 -> buf.position(buf.position() + 4);
        default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
      }
    }
  }
}
