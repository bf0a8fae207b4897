package io.servingkit.examples.spring;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/**
 * For the REST API: the request body is an image, the answer {@code {"digit": 3, "probability": 0.99}}. Named by
 * {@code translator=} in the model's serving.properties.
 */
public final class DigitsServingTranslator implements ServingTranslator {

  /** Created by ServingKit. */
  public DigitsServingTranslator() {}

  @Override
  public void setArguments(Map<String, ?> arguments) {}

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws TranslateException {
    try {
      byte[] bytes = input.getData() == null ? new byte[0] : input.getData().getAsBytes();
      return new NDList(ctx.getNDManager().create(Pixels.of(bytes), new Shape(1, 1, Pixels.SIZE, Pixels.SIZE)));
    } catch (IOException e) {
      throw new TranslateException("the request body is " + e.getMessage(), e);
    }
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    double[] p = Pixels.probabilities(list.singletonOrThrow().toFloatArray());
    int best = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    Output out = new Output();
    out.addProperty("Content-Type", "application/json");
    out.add(String.format(Locale.ROOT, "{\"digit\": %d, \"probability\": %.6f}%n", best, p[best]));
    return out;
  }

  /** One image per call. */
  @Override
  public Batchifier getBatchifier() {
    return null;
  }
}
