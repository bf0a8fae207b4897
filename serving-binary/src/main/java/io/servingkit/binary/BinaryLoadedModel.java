package io.servingkit.binary;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import io.servingkit.ModelSignature;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import java.util.concurrent.atomic.AtomicBoolean;

/** One loaded copy of a binary-mode model; each worker gets its own DJL predictor. */
final class BinaryLoadedModel implements LoadedModel {
  private final ZooModel<Input, Output> model;
  private final BatchMode mode;
  private final ModelSignature signature;
  private final AtomicBoolean closed = new AtomicBoolean();

  BinaryLoadedModel(ZooModel<Input, Output> model, BatchMode mode, ModelSignature signature) {
    this.model = model;
    this.mode = mode;
    this.signature = signature;
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public ModelWorker newWorker(int workerId) {
    if (closed.get()) {
      throw new IllegalStateException("model " + model.getName() + " is closed");
    }
    return new BinaryWorker(model.newPredictor(new TensorBatchTranslator()), mode);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      model.close();
    }
  }
}
