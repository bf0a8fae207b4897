package io.servingkit.spring;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Feeds the digits network a blank image and answers "done" once the test opens {@link #gate}. */
final class BlockingTranslator implements Translator<String, String> {
  final CountDownLatch entered = new CountDownLatch(1);
  final CountDownLatch gate = new CountDownLatch(1);

  @Override
  public NDList processInput(TranslatorContext ctx, String input) throws Exception {
    entered.countDown();
    if (!gate.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the test never opened the gate");
    }
    return new NDList(ctx.getNDManager().zeros(new Shape(1, 1, 8, 8)));
  }

  @Override
  public String processOutput(TranslatorContext ctx, NDList list) {
    return "done " + input(list);
  }

  private static String input(NDList list) {
    return list.singletonOrThrow().getShape().toString();
  }

  @Override
  public Batchifier getBatchifier() {
    return null;
  }
}
