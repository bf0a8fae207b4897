package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * numpy's {@code .npz}: a zip archive of {@code .npy} entries, stored or deflated. Entries named {@code arr_N.npy}
 * become unnamed arrays (as {@code numpy.savez(a, b)} writes them), others keep their name without {@code .npy}; order
 * is the archive's. The archive is read from its central directory; stored entries are not copied. Sizes are checked
 * against the body before anything is allocated: a deflated entry may not claim more than deflate can produce from
 * its compressed bytes, and all entries together may not inflate past a limit.
 *
 * <p>Encoding writes stored (uncompressed) entries like {@code numpy.savez}: encoding then costs one copy and no
 * compression time, which matters more for float tensors than the few percent deflate saves on them.
 */
final class NpzCodec {
  static final String MEDIA_TYPE = "tensor/npz";
  /** Most bytes the entries of one request may inflate to together. */
  static final long MAX_INFLATED_BYTES = 1L << 30;
  /** Deflate cannot expand data more than about 1032:1. */
  private static final long MAX_DEFLATE_RATIO = 1032;

  private static final int LOCAL_SIG = 0x04034b50;
  private static final int CENTRAL_SIG = 0x02014b50;
  private static final int END_SIG = 0x06054b50;
  private static final int END64_SIG = 0x06064b50;
  private static final int END64_LOCATOR_SIG = 0x07064b50;
  private static final int END_SIZE = 22;
  private static final int CENTRAL_SIZE = 46;
  private static final int LOCAL_SIZE = 30;
  /** Names numpy gives to positional arrays; they decode as unnamed. */
  static final Pattern POSITIONAL = Pattern.compile("arr_[0-9]+");

  private NpzCodec() {}

  /** Whether the body starts like a zip archive ({@code PK}). */
  static boolean isZip(ByteBuffer body) {
    return body.remaining() >= 2
        && body.get(body.position()) == 'P'
        && body.get(body.position() + 1) == 'K';
  }

  static List<Tensor> decode(ByteBuffer body) {
    ByteReader in = new ByteReader(body, "npz");
    int total = in.remaining();
    long[] directory = findDirectory(in, total);
    long entries = directory[0];
    long cdOffset = directory[1];
    long cdSize = directory[2];
    long cdEnd = directory[3];
    if (cdOffset + cdSize > cdEnd) {
      throw in.fail(
          "central directory (" + cdSize + " bytes at offset " + cdOffset + ") overruns the end record at " + cdEnd);
    }
    if (entries > cdSize / CENTRAL_SIZE) {
      throw in.fail("declares " + entries + " entries but its " + cdSize + "-byte central directory holds fewer");
    }
    if (entries == 0) {
      throw in.fail("archive holds no arrays");
    }
    List<Tensor> tensors = new ArrayList<>((int) entries);
    Set<String> names = new HashSet<>();
    long inflated = 0;
    long strings = 0;
    long cursor = cdOffset;
    for (int i = 0; i < entries; i++) {
      in.seek(cursor, "central directory entry " + i);
      Entry e = readCentralEntry(in, i, cdOffset + cdSize);
      cursor = in.position();
      if (!names.add(e.name)) {
        throw in.fail("entry '" + NdListCodec.printable(e.name) + "' appears twice");
      }
      if (e.method == 8) {
        inflated += e.size;
        if (inflated > MAX_INFLATED_BYTES) {
          throw in.fail("entries inflate to more than the limit of " + MAX_INFLATED_BYTES + " bytes");
        }
      }
      ByteBuffer npy = entryData(in, e, cdOffset);
      String what = "npz entry '" + NdListCodec.printable(e.name) + "'";
      String arrayName = e.name.substring(0, e.name.length() - ".npy".length());
      Tensor t = NpyCodec.decode(npy, POSITIONAL.matcher(arrayName).matches() ? null : arrayName, what);
      if (t.dtype() == DType.STRING) {
        strings += t.size();
        if (strings > Shapes.MAX_STRINGS) {
          throw in.fail("holds more than the limit of " + Shapes.MAX_STRINGS + " strings");
        }
      }
      tensors.add(t);
    }
    return tensors;
  }

  /** Returns {entries, central directory offset, size, offset of the record after it}. */
  private static long[] findDirectory(ByteReader in, int total) {
    int end = -1;
    for (int p = total - END_SIZE; p >= 0 && p >= total - END_SIZE - 0xffff; p--) {
      in.seek(p, "end record");
      if (in.i32(ByteOrder.LITTLE_ENDIAN, "end record") == END_SIG) {
        in.seek(p + 20, "end record");
        if (p + END_SIZE + in.u16(ByteOrder.LITTLE_ENDIAN, "comment length") == total) {
          end = p;
          break;
        }
      }
    }
    if (end < 0) {
      in.seek(0, "start");
      throw in.fail("not a complete zip archive: no end-of-central-directory record (is the body truncated?)");
    }
    in.seek(end + 4, "end record");
    int disk = in.u16(ByteOrder.LITTLE_ENDIAN, "disk number");
    int cdDisk = in.u16(ByteOrder.LITTLE_ENDIAN, "central directory disk");
    in.u16(ByteOrder.LITTLE_ENDIAN, "entries on disk");
    long entries = in.u16(ByteOrder.LITTLE_ENDIAN, "entry count");
    long cdSize = in.u32(ByteOrder.LITTLE_ENDIAN, "central directory size");
    long cdOffset = in.u32(ByteOrder.LITTLE_ENDIAN, "central directory offset");
    if (disk != 0 || cdDisk != 0) {
      throw in.fail("multi-volume zip archives are not supported");
    }
    long cdEnd = end;
    if (entries == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
      if (end < 20) {
        throw in.fail("zip64 archive without a zip64 end-record locator");
      }
      in.seek(end - 20, "zip64 locator");
      if (in.i32(ByteOrder.LITTLE_ENDIAN, "zip64 locator") != END64_LOCATOR_SIG) {
        throw in.fail("zip64 archive without a zip64 end-record locator");
      }
      in.u32(ByteOrder.LITTLE_ENDIAN, "zip64 disk");
      long recordOffset = in.i64(ByteOrder.LITTLE_ENDIAN, "zip64 end record offset");
      if (recordOffset < 0 || recordOffset > end - 20 - 56) {
        throw in.fail("zip64 end record offset " + recordOffset + " is outside the archive");
      }
      in.seek(recordOffset, "zip64 end record");
      if (in.i32(ByteOrder.LITTLE_ENDIAN, "zip64 end record") != END64_SIG) {
        throw in.fail("no zip64 end record at offset " + recordOffset);
      }
      in.skip(8 + 2 + 2 + 4 + 4 + 8, "zip64 end record");
      entries = in.i64(ByteOrder.LITTLE_ENDIAN, "zip64 entry count");
      cdSize = in.i64(ByteOrder.LITTLE_ENDIAN, "zip64 central directory size");
      cdOffset = in.i64(ByteOrder.LITTLE_ENDIAN, "zip64 central directory offset");
      cdEnd = recordOffset;
      if (entries < 0 || cdSize < 0 || cdOffset < 0) {
        throw in.fail("zip64 end record holds negative sizes");
      }
    }
    return new long[] {entries, cdOffset, cdSize, cdEnd};
  }

  private static final class Entry {
    String name;
    int method;
    long crc;
    long compressedSize;
    long size;
    long localOffset;
  }

  private static Entry readCentralEntry(ByteReader in, int index, long cdEnd) {
    String what = "central directory entry " + index;
    if (in.i32(ByteOrder.LITTLE_ENDIAN, what) != CENTRAL_SIG) {
      throw in.fail(what + " has a bad signature");
    }
    in.skip(4, what);
    int flags = in.u16(ByteOrder.LITTLE_ENDIAN, what + " flags");
    Entry e = new Entry();
    e.method = in.u16(ByteOrder.LITTLE_ENDIAN, what + " method");
    in.skip(4, what);
    e.crc = in.u32(ByteOrder.LITTLE_ENDIAN, what + " crc");
    e.compressedSize = in.u32(ByteOrder.LITTLE_ENDIAN, what + " compressed size");
    e.size = in.u32(ByteOrder.LITTLE_ENDIAN, what + " size");
    int nameLength = in.u16(ByteOrder.LITTLE_ENDIAN, what + " name length");
    int extraLength = in.u16(ByteOrder.LITTLE_ENDIAN, what + " extra length");
    int commentLength = in.u16(ByteOrder.LITTLE_ENDIAN, what + " comment length");
    in.skip(8, what);
    e.localOffset = in.u32(ByteOrder.LITTLE_ENDIAN, what + " local header offset");
    if (in.position() + (long) nameLength + extraLength + commentLength > cdEnd) {
      throw in.fail(what + " runs past the end of the central directory");
    }
    ByteBuffer nameBytes = in.slice(nameLength, what + " name");
    e.name =
        ((flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).decode(nameBytes).toString();
    readZip64Extra(in.slice(extraLength, what + " extra field"), e, in, what);
    in.skip(commentLength, what + " comment");
    String label = "entry '" + NdListCodec.printable(e.name) + "'";
    if ((flags & 0x1) != 0) {
      throw in.fail(label + " is encrypted");
    }
    if (e.method != 0 && e.method != 8) {
      throw in.fail(label + " uses compression method " + e.method + " (only stored and deflated are supported)");
    }
    if (!e.name.endsWith(".npy") || e.name.length() == ".npy".length()) {
      throw in.fail(label + " is not a .npy file");
    }
    if (e.size > Integer.MAX_VALUE - 16 || e.compressedSize > Integer.MAX_VALUE - 16) {
      throw in.fail(label + " is larger than 2 GiB");
    }
    if (e.method == 0 && e.size != e.compressedSize) {
      throw in.fail(label + " is stored but its sizes differ (" + e.compressedSize + " vs " + e.size + ")");
    }
    if (e.method == 8 && e.size > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw in.fail(
          label + " claims " + e.size + " bytes from " + e.compressedSize
              + " compressed bytes, more than deflate can produce");
    }
    return e;
  }

  private static void readZip64Extra(ByteBuffer extra, Entry e, ByteReader in, String what) {
    ByteBuffer x = extra.order(ByteOrder.LITTLE_ENDIAN);
    while (x.remaining() >= 4) {
      int id = x.getShort() & 0xffff;
      int length = x.getShort() & 0xffff;
      if (length > x.remaining()) {
        throw in.fail(what + " has a truncated extra field");
      }
      ByteBuffer field = x.slice().order(ByteOrder.LITTLE_ENDIAN);
      field.limit(length);
      x.position(x.position() + length);
      if (id != 0x0001) {
        continue;
      }
      if (e.size == 0xffffffffL) {
        e.size = zip64Value(field, in, what);
      }
      if (e.compressedSize == 0xffffffffL) {
        e.compressedSize = zip64Value(field, in, what);
      }
      if (e.localOffset == 0xffffffffL) {
        e.localOffset = zip64Value(field, in, what);
      }
    }
  }

  private static long zip64Value(ByteBuffer field, ByteReader in, String what) {
    if (field.remaining() < 8) {
      throw in.fail(what + " has a short zip64 extra field");
    }
    long v = field.getLong();
    if (v < 0) {
      throw in.fail(what + " has a negative zip64 size");
    }
    return v;
  }

  private static ByteBuffer entryData(ByteReader in, Entry e, long cdOffset) {
    String label = "entry '" + NdListCodec.printable(e.name) + "'";
    if (e.localOffset > cdOffset - LOCAL_SIZE) {
      throw in.fail(label + " has local header offset " + e.localOffset + " outside the archive");
    }
    in.seek(e.localOffset, label + " local header");
    if (in.i32(ByteOrder.LITTLE_ENDIAN, label + " local header") != LOCAL_SIG) {
      throw in.fail(label + " has no local header at offset " + e.localOffset);
    }
    in.skip(22, label + " local header");
    int nameLength = in.u16(ByteOrder.LITTLE_ENDIAN, label + " local name length");
    int extraLength = in.u16(ByteOrder.LITTLE_ENDIAN, label + " local extra length");
    long dataStart = e.localOffset + LOCAL_SIZE + nameLength + extraLength;
    if (dataStart + e.compressedSize > cdOffset) {
      throw in.fail(label + " data (" + e.compressedSize + " bytes at " + dataStart + ") overruns the archive");
    }
    in.seek(dataStart, label + " data");
    ByteBuffer raw = in.slice(e.compressedSize, label + " data");
    ByteBuffer data = e.method == 0 ? raw : inflate(raw, e, in, label);
    CRC32 crc = new CRC32();
    crc.update(data.duplicate());
    if (crc.getValue() != e.crc) {
      throw in.fail(label + " fails its CRC check (corrupt or truncated data)");
    }
    return data;
  }

  private static ByteBuffer inflate(ByteBuffer raw, Entry e, ByteReader in, String label) {
    byte[] out = new byte[(int) e.size];
    Inflater inflater = new Inflater(true);
    try {
      inflater.setInput(raw);
      int n = 0;
      while (n < out.length && !inflater.finished()) {
        int k = inflater.inflate(out, n, out.length - n);
        if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += k;
      }
      if (n < out.length) {
        throw in.fail(label + " inflates to " + n + " bytes, fewer than the " + out.length + " declared");
      }
      if (!inflater.finished() && inflater.inflate(new byte[1]) > 0) {
        throw in.fail(label + " inflates to more than the " + out.length + " bytes declared");
      }
    } catch (DataFormatException ex) {
      throw in.fail(label + " holds invalid deflate data: " + ex.getMessage());
    } finally {
      inflater.end();
    }
    return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Encodes the tensors as a stored {@code .npz}. */
  static byte[] encode(List<Tensor> tensors) {
    List<byte[]> names = entryNames(tensors);
    List<NpyCodec.Layout> layouts = new ArrayList<>(tensors.size());
    long total = END_SIZE;
    for (int i = 0; i < tensors.size(); i++) {
      layouts.add(new NpyCodec.Layout(tensors.get(i)));
      total += LOCAL_SIZE + CENTRAL_SIZE + 2L * names.get(i).length + layouts.get(i).size();
    }
    if (total > Integer.MAX_VALUE - 16) {
      throw new BadInputException("npz: the output is " + total + " bytes, more than one response can hold");
    }
    byte[] out = new byte[(int) total];
    ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    long[] crcs = new long[tensors.size()];
    int[] sizes = new int[tensors.size()];
    int[] offsets = new int[tensors.size()];
    for (int i = 0; i < tensors.size(); i++) {
      byte[] name = names.get(i);
      offsets[i] = buf.position();
      int dataStart = offsets[i] + LOCAL_SIZE + name.length;
      buf.position(dataStart);
      layouts.get(i).write(buf);
      sizes[i] = buf.position() - dataStart;
      CRC32 crc = new CRC32();
      crc.update(out, dataStart, sizes[i]);
      crcs[i] = crc.getValue();
      int end = buf.position();
      buf.position(offsets[i]);
      buf.putInt(LOCAL_SIG);
      putCommon(buf, name, crcs[i], sizes[i]);
      buf.put(name);
      buf.position(end);
    }
    int cdOffset = buf.position();
    for (int i = 0; i < tensors.size(); i++) {
      byte[] name = names.get(i);
      buf.putInt(CENTRAL_SIG);
      buf.putShort((short) 20);
      putCommon(buf, name, crcs[i], sizes[i]);
      buf.putShort((short) 0); // comment length
      buf.putShort((short) 0); // disk
      buf.putShort((short) 0); // internal attributes
      buf.putInt(0); // external attributes
      buf.putInt(offsets[i]);
      buf.put(name);
    }
    int cdSize = buf.position() - cdOffset;
    buf.putInt(END_SIG);
    buf.putShort((short) 0);
    buf.putShort((short) 0);
    buf.putShort((short) tensors.size());
    buf.putShort((short) tensors.size());
    buf.putInt(cdSize);
    buf.putInt(cdOffset);
    buf.putShort((short) 0);
    return out;
  }

  /** Version needed, flags, method, time, date, crc, sizes, name length, extra length. */
  private static void putCommon(ByteBuffer buf, byte[] name, long crc, int size) {
    buf.putShort((short) 20);
    buf.putShort((short) (isAscii(name) ? 0 : 0x800));
    buf.putShort((short) 0);
    buf.putShort((short) 0); // 00:00:00
    buf.putShort((short) 0x21); // 1980-01-01
    buf.putInt((int) crc);
    buf.putInt(size);
    buf.putInt(size);
    buf.putShort((short) name.length);
    buf.putShort((short) 0);
  }

  private static boolean isAscii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  private static List<byte[]> entryNames(List<Tensor> tensors) {
    if (tensors.size() > 0xfffe) {
      throw new BadInputException("npz: " + tensors.size() + " arrays are more than one archive can list");
    }
    List<byte[]> names = new ArrayList<>(tensors.size());
    Set<String> seen = new HashSet<>();
    int unnamed = 0;
    for (Tensor t : tensors) {
      String name = t.name() == null ? "arr_" + unnamed++ : t.name();
      if (!seen.add(name)) {
        throw new BadInputException("npz: two arrays are named '" + name + "'; entry names must be unique");
      }
      byte[] bytes = (name + ".npy").getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 0xffff) {
        throw new BadInputException("npz: array name '" + NdListCodec.printable(name) + "' is too long");
      }
      names.add(bytes);
    }
    return names;
  }
}
