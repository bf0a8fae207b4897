package io.servingkit.paddle;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.servingkit.BadInputException;
import java.io.IOException;

/**
 * A DJL predictor whose model call goes to the PaddlePaddle worker over a connection of its own. The translator
 * runs here, in this JVM; only tensors cross to the worker.
 *
 * <p>Failures (thrown inside DJL's {@link TranslateException}): {@link BadInputException} when the inputs do not fit
 * the program's declared inputs or Paddle refused them; {@link io.servingkit.WorkerDiedException} when the worker
 * process ended, with how it ended and its last output.
 *
 * <p>Threading: one thread at a time, like every DJL predictor.
 */
final class PaddlePredictor<I, O> extends Predictor<I, O> {

  private final PaddleModel paddleModel;
  private final WorkerProcess process;
  private final WorkerConnection connection;

  PaddlePredictor(
      PaddleModel model, Translator<I, O> translator, Device device, WorkerProcess process, WorkerConnection connection) {
    super(model, translator, device, false);
    this.paddleModel = model;
    this.process = process;
    this.connection = connection;
  }

  @Override
  protected NDList predictInternal(TranslatorContext ctx, NDList inputs) throws TranslateException {
    NDList arranged = paddleModel.signature().arrange(inputs);
    // outputs live where the inputs live, as with DJL's own engines
    NDManager outputs = inputs.isEmpty() ? ctx.getNDManager() : inputs.head().getManager();
    try {
      return connection.predict(arranged, outputs);
    } catch (WorkerConnection.Rejected e) {
      throw new BadInputException("PaddlePaddle rejected the request: " + e.getMessage());
    } catch (IOException e) {
      throw paddleModel.workerDied(process, e);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } finally {
      super.close();
    }
  }
}
