package io.servingkit;
import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.servingkit.spi.ModelContext;
import java.nio.file.Path;
final class DefaultModelContext implements ModelContext {
  private final ModelSpec spec; private final Path dir; private final String engine; private final Path work;
  DefaultModelContext(ModelSpec spec, Path dir, String engine, Path work) { this.spec=spec; this.dir=dir; this.engine=engine; this.work=work; }
  public ModelSpec spec() { return spec; }
  public Path modelDir() { return dir; }
  public String engine() { return engine; }
  public Path workDir() { return work; }
  public ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> t, Device d) { throw new UnsupportedOperationException(); }
}
