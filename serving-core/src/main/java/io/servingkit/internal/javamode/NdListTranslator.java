package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

/**
 * The Java mode's translator when a model names none: tensors in, tensors out.
 *
 * <p>The request body ({@code data}, else the first content entry) is decoded with DJL's {@link NDList#decode}
 * (DJL's NDList format, {@code .npy} or {@code .npz}); the model's outputs are sent back with {@link
 * NDList#encode()} as {@code tensor/ndlist}. The serving-binary module replaces this with richer codecs.
 *
 * <p>{@code batchifier=stack} (the default when {@code batch_size > 1}) runs a batch as one model call through
 * {@link ByteStackBatchifier}, which needs no NDArray operators and so works on every engine.
 *
 * <p>Threading: stateless; shared by every predictor of a model.
 */
final class NdListTranslator implements Translator<Input, Output> {

  static final String CONTENT_TYPE = "tensor/ndlist";

  private final Batchifier batchifier;

  /** @param batchifier how a batch of inputs becomes one model call; null runs each input on its own */
  NdListTranslator(Batchifier batchifier) {
    this.batchifier = batchifier;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws TranslateException {
    BytesSupplier data = input.getData();
    byte[] bytes = data == null ? null : data.getAsBytes();
    if (bytes == null || bytes.length == 0) {
      throw new TranslateException("the request has no body: expected an NDList, .npy or .npz tensor body");
    }
    try {
      return NDList.decode(ctx.getNDManager(), bytes);
    } catch (RuntimeException e) {
      // no cause on purpose: callers report the root cause's message, and this one says what was expected
      throw new TranslateException("the request body is not an NDList, .npy or .npz: " + e.getMessage());
    }
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    Output output = new Output();
    output.add(list.encode());
    output.addProperty("Content-Type", CONTENT_TYPE);
    return output;
  }

  @Override
  public Batchifier getBatchifier() {
    return batchifier;
  }
}
