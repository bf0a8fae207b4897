package io.servingkit.binary;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-built request bodies, valid or deliberately broken, for tests. */
final class Bodies {
  private Bodies() {}

  /** Writes NDList fields in order, big-endian, so tests can build any (broken) body. */
  static final class NdList {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    NdList i32(int v) {
      try {
        out.writeInt(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    NdList i64(long v) {
      try {
        out.writeLong(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    NdList u8(int v) {
      bytes.write(v);
      return this;
    }

    NdList u16(int v) {
      return u8(v >> 8).u8(v & 0xff);
    }

    NdList utf(String s) {
      try {
        out.writeUTF(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    NdList raw(byte[] b) {
      bytes.writeBytes(b);
      return this;
    }

    /** A version-3 array header up to (not including) the byte order mark. */
    NdList header(String dtype, long... shape) {
      utf("NDAR").i32(3).u8(0).utf("DENSE").utf(dtype).i32(shape.length);
      for (long d : shape) {
        i64(d);
      }
      i32(shape.length);
      for (int i = 0; i < shape.length; i++) {
        u16('?');
      }
      return this;
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }
  }

  static NdList ndList() {
    return new NdList();
  }

  /** A .npy document with the given header text (padded) and data. */
  static byte[] npy(int major, String header, byte[] data) {
    byte[] text = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
    int lengthBytes = major == 1 ? 2 : 4;
    ByteBuffer buf = ByteBuffer.allocate(8 + lengthBytes + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(NpyCodec.MAGIC).put((byte) major).put((byte) 0);
    if (major == 1) {
      buf.putShort((short) text.length);
    } else {
      buf.putInt(text.length);
    }
    return buf.put(text).put(data).array();
  }

  static byte[] npyFloat32(String shape, int dataBytes) {
    return npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", new byte[dataBytes]);
  }

  /** A valid stored .npz of one FLOAT32 (2,) array named arr_0. */
  static byte[] npz() {
    return NpzCodec.encode(List.of(TestTensors.floats(null, new long[] {2}, 1f, 2f)));
  }

  /** A .npz written by java.util.zip with deflated entries. */
  static byte[] deflatedNpz(String[] names, byte[][] npys) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (int i = 0; i < names.length; i++) {
        zip.putNextEntry(new ZipEntry(names[i]));
        zip.write(npys[i]);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A stored zip holding the given entries verbatim (names and data as given). */
  static byte[] storedZip(String[] names, byte[][] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.setMethod(ZipOutputStream.STORED);
      for (int i = 0; i < names.length; i++) {
        ZipEntry e = new ZipEntry(names[i]);
        CRC32 crc = new CRC32();
        crc.update(data[i]);
        e.setCrc(crc.getValue());
        e.setSize(data[i].length);
        e.setCompressedSize(data[i].length);
        zip.putNextEntry(e);
        zip.write(data[i]);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Offset of the end-of-central-directory record of a zip without comment. */
  static int endRecord(byte[] zip) {
    return zip.length - 22;
  }

  /** Offset of the first central directory entry. */
  static int centralDirectory(byte[] zip) {
    return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(endRecord(zip) + 16);
  }

  static byte[] putU16(byte[] b, int at, int v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
    return c;
  }

  static byte[] putU32(byte[] b, int at, long v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
    return c;
  }

  /** A safetensors body with the given header JSON and data length. */
  static byte[] safetensors(String header, int dataBytes) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + json.length + dataBytes)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length)
        .put(json)
        .array();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
