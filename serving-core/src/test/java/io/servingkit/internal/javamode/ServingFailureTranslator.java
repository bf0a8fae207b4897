package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslatorContext;
import io.servingkit.BadInputException;
import io.servingkit.ServingException;
import io.servingkit.WorkerDiedException;
import java.util.Map;

/** A translator whose input step fails with the {@link ServingException} its request's {@code fail} entry names. */
public final class ServingFailureTranslator implements ServingTranslator {

  /** Called by the Java mode. */
  public ServingFailureTranslator() {}

  @Override
  public void setArguments(Map<String, ?> arguments) {}

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) {
    String kind = input.getAsString("fail");
    if ("died".equals(kind)) {
      throw new WorkerDiedException("the backend of this translator is gone", null, true);
    }
    throw new BadInputException("this translator takes nothing");
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    throw new UnsupportedOperationException("never reached");
  }
}
