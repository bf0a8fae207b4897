package io.servingkit.internal.javamode;

import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.translate.TranslateException;
import io.servingkit.BadInputException;
import io.servingkit.ServingException;
import io.servingkit.WorkerDiedException;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.ModelWorker;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Java-mode worker: one DJL {@link Predictor}. A batch of one is a {@code predict}, a larger batch one
 * {@code batchPredict} (the translator's batchifier decides whether that is one model call).
 *
 * <p>Failures: a {@link TranslateException} (malformed input, translator or model rejecting it) becomes a
 * {@link BadInputException} carrying the root cause's message, unless DJL wrapped a {@link ServingException} that
 * the translator or engine threw (an engine whose worker process died throws {@link WorkerDiedException}): that one
 * is thrown as it is.
 *
 * <p>Threading: used by one thread at a time, as {@link ModelWorker} requires.
 */
final class JavaModelWorker implements ModelWorker {

  private final Predictor<Input, Output> predictor;
  private final AtomicBoolean closed = new AtomicBoolean();

  JavaModelWorker(Predictor<Input, Output> predictor) {
    this.predictor = predictor;
  }

  @Override
  public List<Output> predict(List<Input> batch) {
    try {
      if (batch.size() == 1) {
        return List.of(predictor.predict(batch.get(0)));
      }
      return predictor.batchPredict(batch);
    } catch (TranslateException e) {
      for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
        if (cause instanceof ServingException) {
          throw (ServingException) cause;
        }
      }
      throw new BadInputException(DefaultModelContext.rootMessage(e), e);
    }
  }

  @Override
  public boolean isAlive() {
    return !closed.get();
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      predictor.close();
    }
  }
}
