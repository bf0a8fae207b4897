package io.servingkit.internal.javamode;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import io.servingkit.ModelNotReadyException;
import io.servingkit.ModelSignature;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One DJL model loaded in Java mode on one device, with the class loader of its {@code libs/}.
 *
 * <p>Threading: {@link #newWorker} may be called from several threads; {@link #close} once, after the workers.
 */
final class JavaLoadedModel implements LoadedModel {

  private final ZooModel<Input, Output> model;
  private final TranslatorResolver.Resolution translator;
  private final ModelSignature signature;
  private final AtomicBoolean closed = new AtomicBoolean();

  JavaLoadedModel(ZooModel<Input, Output> model, TranslatorResolver.Resolution translator, ModelSignature signature) {
    this.model = model;
    this.translator = translator;
    this.signature = signature;
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public ModelWorker newWorker(int workerId) {
    if (closed.get()) {
      throw new ModelNotReadyException("model " + model.getName() + " is closed");
    }
    return new JavaModelWorker(model.newPredictor());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        model.close();
      } finally {
        translator.close();
      }
    }
  }
}
