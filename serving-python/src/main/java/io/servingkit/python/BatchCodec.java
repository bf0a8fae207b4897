package io.servingkit.python;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.util.PairList;
import io.servingkit.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Merges the jobs of a batch into the one Input a DJL-style handler expects, and splits its answer back.
 *
 * <p>N &gt; 1 jobs become one Input with property {@code batch_size=N} and every property and content key of
 * job i prefixed {@code batch_%03d.} (a content entry without a key is named {@code data}). The handler answers
 * N content entries keyed {@code batch_<i>.<key>} (any number of digits); entry i goes to job i under
 * {@code <key>}. An answer with a code of 300 or more is given to every job as it is.
 */
final class BatchCodec {

  private BatchCodec() {}

  static Input merge(List<Input> batch) {
    Input merged = new Input();
    merged.addProperty("batch_size", String.valueOf(batch.size()));
    for (int i = 0; i < batch.size(); i++) {
      String prefix = prefix(i);
      Input job = batch.get(i);
      for (Map.Entry<String, String> property : job.getProperties().entrySet()) {
        merged.addProperty(prefix + property.getKey(), property.getValue());
      }
      PairList<String, BytesSupplier> content = job.getContent();
      for (int j = 0; j < content.size(); j++) {
        String key = content.keyAt(j);
        merged.add(prefix + (key == null ? "data" : key), content.valueAt(j));
      }
    }
    return merged;
  }

  /**
   * Splits the handler's answer to a merged batch of {@code size} jobs.
   *
   * @throws BadInputException when the number of entries or a key does not fit the batch
   */
  static List<Output> split(Reply.Answer answer, int size) {
    List<Output> outputs = new ArrayList<>(size);
    if (size == 1) {
      outputs.add(answer.toOutput());
      return outputs;
    }
    if (answer.code() >= 300) {
      for (int i = 0; i < size; i++) {
        outputs.add(answer.toOutput());
      }
      return outputs;
    }
    if (answer.keys().size() != size) {
      throw new BadInputException(
          "Batch output size mismatch, expected: " + size + ", actual: " + answer.keys().size());
    }
    for (int i = 0; i < size; i++) {
      Output output = new Output(answer.code(), answer.message());
      answer.copyProperties(output);
      outputs.add(output);
    }
    for (int j = 0; j < size; j++) {
      String key = answer.keys().get(j);
      int index = batchIndex(key);
      if (index < 0 || index >= size) {
        throw new BadInputException("Unexpected batch output key: " + key);
      }
      outputs.get(index).add(key.substring(key.indexOf('.') + 1), answer.values().get(j));
    }
    return outputs;
  }

  static String prefix(int index) {
    String digits = Integer.toString(index);
    return switch (digits.length()) {
      case 1 -> "batch_00" + digits + '.';
      case 2 -> "batch_0" + digits + '.';
      default -> "batch_" + digits + '.';
    };
  }

  /** The job index of a {@code batch_<digits>.<key>} key, or -1. */
  private static int batchIndex(String key) {
    if (key == null || !key.startsWith("batch_")) {
      return -1;
    }
    int dot = key.indexOf('.', 6);
    if (dot <= 6 || dot > 15) {
      return -1;
    }
    int index = 0;
    for (int i = 6; i < dot; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      index = index * 10 + (c - '0');
    }
    return index;
  }
}
