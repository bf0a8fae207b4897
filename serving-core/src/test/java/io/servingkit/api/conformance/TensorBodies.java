package io.servingkit.api.conformance;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Reads the float32 matrices of binary-mode answers in each encoding (npz, safetensors, NDList, JSON, CSV), and
 * writes the one-array {@code .npz} a client sends: written from the file formats' descriptions, independently of
 * serving-binary's codecs, so that the suite checks them rather than trusting them.
 */
final class TensorBodies {

  private TensorBodies() {}

  /** The first array of an {@code .npz} body (float32, 2-D). */
  static float[][] fromNpz(byte[] body) throws IOException {
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(body))) {
      ZipEntry entry = zip.getNextEntry();
      if (entry == null) {
        throw new IOException("empty npz");
      }
      return fromNpy(zip.readAllBytes());
    }
  }

  /** The names of an {@code .npz} body's entries. */
  static List<String> npzNames(byte[] body) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(body))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        names.add(e.getName());
      }
    }
    return names;
  }

  /** A little-endian float32 {@code .npy} file, 2-D (or 1-D, read as one row). */
  static float[][] fromNpy(byte[] npy) throws IOException {
    if (npy.length < 10 || npy[0] != (byte) 0x93 || npy[1] != 'N') {
      throw new IOException("not an npy file");
    }
    ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
    int major = npy[6];
    int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
    int start = (major == 1 ? 10 : 12) + headerLen;
    String header = new String(npy, major == 1 ? 10 : 12, headerLen, StandardCharsets.ISO_8859_1);
    if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
      throw new IOException("expected C-order <f4, got " + header);
    }
    String shape = header.substring(header.indexOf("'shape': (") + 10);
    shape = shape.substring(0, shape.indexOf(')'));
    String[] dims = shape.split(",");
    boolean oneD = dims.length == 1 || dims[1].isBlank();
    int rows = oneD ? 1 : Integer.parseInt(dims[0].strip());
    int cols = Integer.parseInt(dims[oneD ? 0 : 1].strip());
    return matrix(b.position(start).slice().order(ByteOrder.LITTLE_ENDIAN), rows, cols);
  }

  /** The first tensor of a safetensors body (F32, 2-D). */
  static float[][] fromSafetensors(byte[] body) {
    ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen = (int) b.getLong(0);
    JsonObject header =
        JsonParser.parseString(new String(body, 8, headerLen, StandardCharsets.UTF_8)).getAsJsonObject();
    for (String name : header.keySet()) {
      if (name.equals("__metadata__")) {
        continue;
      }
      JsonObject t = header.getAsJsonObject(name);
      if (!t.get("dtype").getAsString().equals("F32")) {
        throw new IllegalStateException("expected F32: " + t);
      }
      JsonArray shape = t.getAsJsonArray("shape");
      int begin = t.getAsJsonArray("data_offsets").get(0).getAsInt();
      return matrix(
          b.position(8 + headerLen + begin).slice().order(ByteOrder.LITTLE_ENDIAN),
          shape.get(0).getAsInt(),
          shape.get(1).getAsInt());
    }
    throw new IllegalStateException("no tensor in " + header);
  }

  /** The first array of a DJL NDList body (big-endian framing, FLOAT32, 2-D). */
  static float[][] fromNdList(byte[] body) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
    int count = in.readInt();
    if (count < 1 || !in.readUTF().equals("NDAR")) {
      throw new IOException("not an NDList");
    }
    in.readInt(); // version
    if (in.readByte() != 0) {
      in.readUTF(); // name
    }
    in.readUTF(); // sparse format
    String dtype = in.readUTF();
    if (!dtype.equals("FLOAT32")) {
      throw new IOException("expected FLOAT32, got " + dtype);
    }
    int ndim = in.readInt();
    long[] shape = new long[ndim];
    for (int i = 0; i < ndim; i++) {
      shape[i] = in.readLong();
    }
    int layouts = in.readInt();
    for (int i = 0; i < layouts; i++) {
      in.readChar();
    }
    byte order = in.readByte();
    byte[] data = new byte[in.readInt()];
    in.readFully(data);
    ByteBuffer b = ByteBuffer.wrap(data).order(order == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    return matrix(b, (int) shape[0], (int) shape[1]);
  }

  /** {@code {"predictions": [[...], ...]}}. */
  static float[][] fromJson(String body) {
    JsonArray rows = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("predictions");
    float[][] m = new float[rows.size()][];
    for (int r = 0; r < m.length; r++) {
      JsonArray row = rows.get(r).getAsJsonArray();
      m[r] = new float[row.size()];
      for (int c = 0; c < row.size(); c++) {
        m[r][c] = row.get(c).getAsFloat();
      }
    }
    return m;
  }

  /** One line per row, comma-separated. */
  static float[][] fromCsv(String body) {
    String[] lines = body.strip().split("\r?\n");
    float[][] m = new float[lines.length][];
    for (int r = 0; r < lines.length; r++) {
      String[] cells = lines[r].split(",");
      m[r] = new float[cells.length];
      for (int c = 0; c < cells.length; c++) {
        m[r][c] = Float.parseFloat(cells[c].strip());
      }
    }
    return m;
  }

  /** A one-array {@code .npz} (stored, npy version 1.0) holding {@code rows} as float32, named {@code name}. */
  static byte[] npz(String name, float[][] rows, boolean keepBatchAxis) throws IOException {
    int cols = rows[0].length;
    String shape = keepBatchAxis || rows.length > 1 ? "(" + rows.length + ", " + cols + ")" : "(" + cols + ",)";
    StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
    while ((10 + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    ByteBuffer npy = ByteBuffer.allocate(10 + header.length() + rows.length * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
    npy.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    npy.putShort((short) header.length()).put(header.toString().getBytes(StandardCharsets.US_ASCII));
    for (float[] row : rows) {
      for (float v : row) {
        npy.putFloat(v);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry(name + ".npy"));
      zip.write(npy.array());
      zip.closeEntry();
    }
    return out.toByteArray();
  }

  private static float[][] matrix(ByteBuffer b, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        m[r][c] = b.getFloat();
      }
    }
    return m;
  }
}
