package io.servingkit.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes MXNet models without MXNet: a hand-written {@code <prefix>-symbol.json} graph and a {@code
 * <prefix>-0000.params} file in MXNet's NDArray-list format (little-endian: list magic {@code 0x112}, reserved 0,
 * array count, then per array the V2 magic {@code 0xF993FAC9}, storage type 0 (dense), {@code int32} ndim and
 * {@code int64} dims, CPU context, dtype 0 (float32) and the raw floats; then the names, {@code arg:<name>}).
 */
public final class MxNetModels {

  private static final long LIST_MAGIC = 0x112L;
  private static final int NDARRAY_V2_MAGIC = 0xF993FAC9;

  private MxNetModels() {}

  /**
   * Writes the test MLP ({@link MlpWeights}) as {@code dir/<prefix>-symbol.json} and {@code
   * dir/<prefix>-0000.params}; its input is named {@code data}, shape [N,4], output [N,3].
   */
  public static Path writeMlp(Path dir, String prefix) {
    MlpWeights w = MlpWeights.load();
    String symbol =
        "{\n"
            + "  \"nodes\": [\n"
            + "    {\"op\": \"null\", \"name\": \"data\", \"inputs\": []},\n"
            + "    {\"op\": \"null\", \"name\": \"fc1_weight\", \"attrs\": {\"num_hidden\": \"8\"}, \"inputs\": []},\n"
            + "    {\"op\": \"null\", \"name\": \"fc1_bias\", \"attrs\": {\"num_hidden\": \"8\"}, \"inputs\": []},\n"
            + "    {\"op\": \"FullyConnected\", \"name\": \"fc1\", \"attrs\": {\"num_hidden\": \"8\"},"
            + " \"inputs\": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},\n"
            + "    {\"op\": \"Activation\", \"name\": \"relu1\", \"attrs\": {\"act_type\": \"relu\"}, \"inputs\": [[3, 0, 0]]},\n"
            + "    {\"op\": \"null\", \"name\": \"fc2_weight\", \"attrs\": {\"num_hidden\": \"3\"}, \"inputs\": []},\n"
            + "    {\"op\": \"null\", \"name\": \"fc2_bias\", \"attrs\": {\"num_hidden\": \"3\"}, \"inputs\": []},\n"
            + "    {\"op\": \"FullyConnected\", \"name\": \"fc2\", \"attrs\": {\"num_hidden\": \"3\"},"
            + " \"inputs\": [[4, 0, 0], [5, 0, 0], [6, 0, 0]]}\n"
            + "  ],\n"
            + "  \"arg_nodes\": [0, 1, 2, 5, 6],\n"
            + "  \"node_row_ptr\": [0, 1, 2, 3, 4, 5, 6, 7, 8],\n"
            + "  \"heads\": [[7, 0, 0]],\n"
            + "  \"attrs\": {\"mxnet_version\": [\"int\", 10900]}\n"
            + "}\n";
    Map<String, float[][]> params = new LinkedHashMap<>();
    params.put("arg:fc1_weight", w.fc1Weight);
    params.put("arg:fc1_bias", new float[][] {w.fc1Bias});
    params.put("arg:fc2_weight", w.fc2Weight);
    params.put("arg:fc2_bias", new float[][] {w.fc2Bias});
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(prefix + "-symbol.json"), symbol);
      try (OutputStream out = Files.newOutputStream(dir.resolve(prefix + "-0000.params"))) {
        writeParams(out, params);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** Writes named float arrays; a {@code float[1][n]} value is saved as a 1-D array of n. */
  static void writeParams(OutputStream out, Map<String, float[][]> params) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.write(le64(LIST_MAGIC));
    data.write(le64(0));
    data.write(le64(params.size()));
    for (float[][] array : params.values()) {
      boolean vector = array.length == 1;
      long[] shape = vector ? new long[] {array[0].length} : new long[] {array.length, array[0].length};
      ByteBuffer header = ByteBuffer.allocate(4 + 4 + 4 + 8 * shape.length + 4 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(NDARRAY_V2_MAGIC).putInt(0).putInt(shape.length);
      for (long d : shape) {
        header.putLong(d);
      }
      header.putInt(1).putInt(0).putInt(0); // cpu(0), float32
      data.write(header.array());
      ByteBuffer values = ByteBuffer.allocate(4 * array.length * array[0].length).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] row : array) {
        for (float v : row) {
          values.putFloat(v);
        }
      }
      data.write(values.array());
    }
    data.write(le64(params.size()));
    for (String name : params.keySet()) {
      byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
      data.write(le64(bytes.length));
      data.write(bytes);
    }
    data.flush();
  }

  private static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }
}
