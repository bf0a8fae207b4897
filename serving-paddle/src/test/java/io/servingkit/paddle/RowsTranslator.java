package io.servingkit.paddle;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslatorContext;
import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's Java-mode translator for the test layer: a JSON array of inputs in, {@code {"scores", "best", "pid"}}
 * out, where {@code pid} is the process the translator ran in. A batch becomes one model call (rows stacked here,
 * by the translator, as a user translator may do).
 */
public final class RowsTranslator implements ServingTranslator {

  private static final Gson GSON = new Gson();

  /** Called by the Java mode. */
  public RowsTranslator() {}

  @Override
  public void setArguments(Map<String, ?> arguments) {}

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<Input> inputs) {
    float[][] rows = new float[inputs.size()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = GSON.fromJson(inputs.get(i).getData().getAsString(), float[].class);
    }
    NDArray x = ctx.getNDManager().create(PaddleEngineTest.flatten(rows), new Shape(rows.length, rows[0].length));
    x.setName("x");
    return new NDList(x);
  }

  @Override
  public List<Output> batchProcessOutput(TranslatorContext ctx, NDList list) {
    NDArray y = list.get(0);
    int rows = (int) y.getShape().get(0);
    int width = (int) y.getShape().get(1);
    float[] values = y.toFloatArray();
    List<Output> outputs = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      float[] scores = new float[width];
      System.arraycopy(values, r * width, scores, 0, width);
      int best = 0;
      for (int j = 1; j < width; j++) {
        best = scores[j] > scores[best] ? j : best;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("scores", scores);
      body.put("best", best);
      body.put("pid", ProcessHandle.current().pid());
      Output output = new Output();
      output.add(GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
      output.addProperty("Content-Type", "application/json");
      outputs.add(output);
    }
    return outputs;
  }

  @Override
  public Batchifier getBatchifier() {
    return Batchifier.STACK; // not null, so that DJL hands batches to batchProcessInput
  }
}
