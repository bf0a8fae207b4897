package io.servingkit.binary;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.util.List;

/**
 * The binary mode's {@code Input -> Output} translator for one request: decodes the body by its content, runs it
 * (with the configured batchifier applied to this one request), and encodes the output as the request's
 * {@code Accept} or {@code Content-Type} asks. Workers batch through {@link TensorBatchTranslator}; this translator is
 * what the loaded model carries for callers that use it directly.
 */
final class BinaryTranslator implements NoBatchifyTranslator<Input, Output> {
  private final BatchMode mode;
  private final TensorBatchTranslator delegate = new TensorBatchTranslator();

  BinaryTranslator(BatchMode mode) {
    this.mode = mode;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) {
    TensorBatch batch = BinaryWorker.decode(mode, input);
    return delegate.processInput(ctx, batch);
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    List<Output> outputs = delegate.processOutput(ctx, list);
    return outputs.get(0);
  }
}
