package io.servingkit.examples.spring;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Typed: encoded image bytes in, the most likely {@link Digit} out. Runs on ServingKit's worker threads. */
final class DigitTranslator implements Translator<byte[], Digit> {
  private static final Logger LOG = LoggerFactory.getLogger(DigitTranslator.class);

  @Override
  public NDList processInput(TranslatorContext ctx, byte[] image) throws Exception {
    return new NDList(ctx.getNDManager().create(Pixels.of(image), new Shape(1, 1, Pixels.SIZE, Pixels.SIZE)));
  }

  @Override
  public Digit processOutput(TranslatorContext ctx, NDList list) {
    double[] p = Pixels.probabilities(list.singletonOrThrow().toFloatArray());
    int best = 0;
    for (int i = 1; i < p.length; i++) {
      if (p[i] > p[best]) {
        best = i;
      }
    }
    LOG.info("read digit {} (p={})", best, String.format(java.util.Locale.ROOT, "%.4f", p[best]));
    return new Digit(best, p[best]);
  }

  /** One image per call. */
  @Override
  public Batchifier getBatchifier() {
    return null;
  }
}
