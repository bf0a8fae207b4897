package io.servingkit.python;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.servingkit.ModelSpec;
import io.servingkit.spi.ModelContext;
import java.nio.file.Path;

/** A ModelContext for driving the Python mode directly; it has no DJL loading path. */
record TestModelContext(ModelSpec spec, Path modelDir, String engine, Path workDir) implements ModelContext {

  @Override
  public ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> translator, Device device) {
    throw new UnsupportedOperationException("the Python mode never loads a DJL model");
  }
}
