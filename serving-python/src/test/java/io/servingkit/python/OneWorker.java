package io.servingkit.python;

import io.servingkit.spi.ModelWorker;
import java.nio.file.Path;

/**
 * A test model with one started worker, shared by the tests of a class; closing it closes both and checks
 * that no process or thread was left behind.
 */
record OneWorker(PythonModel model, ModelWorker worker) implements AutoCloseable {

  static OneWorker start(String modelName, Path workDir) {
    PythonModel model = PythonTestModels.load(modelName, workDir);
    try {
      return new OneWorker(model, model.newWorker(1));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  @Override
  public void close() {
    worker.close();
    model.close();
    new NoLeaks().afterEach(null);
  }
}
