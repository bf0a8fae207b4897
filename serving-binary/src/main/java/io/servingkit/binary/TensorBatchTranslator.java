package io.servingkit.binary;

import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one {@link TensorBatch} through the model: joins its tensors into the call's input, splits the output per
 * request and encodes each request's share in the format it asked for, while the output arrays are still open.
 */
final class TensorBatchTranslator implements NoBatchifyTranslator<TensorBatch, List<Output>> {
  private static final String BATCH = "servingkit.batch";

  @Override
  public NDList processInput(TranslatorContext ctx, TensorBatch batch) {
    ctx.setAttachment(BATCH, batch);
    return batch.join(ctx.getNDManager());
  }

  @Override
  public List<Output> processOutput(TranslatorContext ctx, NDList list) {
    TensorBatch batch = (TensorBatch) ctx.getAttachment(BATCH);
    List<List<Tensor>> parts = batch.split(list);
    List<Output> outputs = new ArrayList<>(parts.size());
    for (int r = 0; r < parts.size(); r++) {
      outputs.add(toOutput(parts.get(r), batch.format(r)));
    }
    return outputs;
  }

  static Output toOutput(List<Tensor> tensors, OutputFormat format) {
    Output output = new Output();
    output.add(format.encode(tensors));
    output.addProperty("Content-Type", format.mediaType());
    return output;
  }
}
