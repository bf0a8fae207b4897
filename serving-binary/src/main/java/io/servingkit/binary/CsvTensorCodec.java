package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code text/csv} tensors. Input: comma-separated rows of numbers, optionally under one header row of names; it
 * becomes one FLOAT32 tensor of shape (rows, columns). Output: every tensor in turn, a 0-D or 1-D tensor as one row,
 * a 2-D tensor as one row per first-axis entry; deeper tensors are refused because CSV cannot show their shape.
 */
final class CsvTensorCodec {
  static final String MEDIA_TYPE = "text/csv";
  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(NaN|Infinity|([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?)");
  private static final Pattern LINE_BREAK = Pattern.compile("\\r?\\n");

  private CsvTensorCodec() {}

  static List<Tensor> decode(ByteBuffer body) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(body.duplicate())
              .toString();
    } catch (CharacterCodingException e) {
      throw new BadInputException("CSV input is not valid UTF-8");
    }
    String[] lines = LINE_BREAK.split(text, -1);
    int columns = -1;
    int rows = 0;
    float[] values = new float[64];
    int count = 0;
    for (int line = 0; line < lines.length; line++) {
      if (lines[line].isBlank()) {
        continue;
      }
      String[] cells = lines[line].split(",", -1);
      if (columns < 0 && rows == 0 && isHeader(cells)) {
        columns = cells.length;
        continue;
      }
      if (columns >= 0 && cells.length != columns) {
        throw new BadInputException(
            "CSV line " + (line + 1) + " has " + cells.length + " columns, expected " + columns);
      }
      columns = cells.length;
      for (int c = 0; c < cells.length; c++) {
        if (count == values.length) {
          values = Arrays.copyOf(values, values.length * 2);
        }
        values[count++] = parse(cells[c], line, c);
      }
      rows++;
    }
    if (rows == 0) {
      throw new BadInputException("CSV input holds no rows of numbers");
    }
    ByteBuffer data = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      data.putFloat(values[i]);
    }
    data.flip();
    return List.of(Tensor.of(null, DType.FLOAT32, new long[] {rows, columns}, data));
  }

  private static boolean isHeader(String[] cells) {
    for (String cell : cells) {
      if (number(cell) != null) {
        return false;
      }
    }
    return true;
  }

  private static Float number(String cell) {
    String s = unquote(cell.strip());
    if (s.isEmpty() || !NUMBER.matcher(s).matches()) {
      return null;
    }
    return Float.parseFloat(s);
  }

  private static float parse(String cell, int line, int column) {
    Float v = number(cell);
    if (v == null) {
      throw new BadInputException(
          "CSV line " + (line + 1) + ", column " + (column + 1) + ": '" + NdListCodec.printable(cell.strip())
              + "' is not a number");
    }
    return v;
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1).strip() : s;
  }

  static byte[] encode(List<Tensor> tensors) {
    StringBuilder sb = new StringBuilder();
    for (Tensor t : tensors) {
      long[] shape = t.shape();
      if (shape.length > 2) {
        throw new BadInputException(
            "text/csv can only show 0-D, 1-D and 2-D arrays, but output " + t + " has shape "
                + Shapes.format(shape) + "; ask for application/json or a tensor format instead");
      }
      long rows = shape.length == 2 ? shape[0] : 1;
      long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
      ByteBuffer data = t.dtype() == DType.STRING ? null : t.data();
      for (long r = 0; r < rows; r++) {
        for (long c = 0; c < cols; c++) {
          if (c > 0) {
            sb.append(',');
          }
          long index = r * cols + c;
          if (data == null) {
            appendCell(sb, t.strings()[(int) index]);
          } else {
            Elements.append(sb, t.dtype(), data, index);
          }
        }
        sb.append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void appendCell(StringBuilder sb, String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      sb.append(s);
    } else {
      sb.append('"').append(s.replace("\"", "\"\"")).append('"');
    }
  }
}
