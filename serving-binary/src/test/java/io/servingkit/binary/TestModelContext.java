package io.servingkit.binary;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSpec;
import io.servingkit.spi.ModelContext;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link ModelContext} for tests that loads models with DJL {@link Criteria} the way the core does: the spec's
 * {@code option.*} keys as engine options, its other keys as arguments.
 */
final class TestModelContext implements ModelContext {
  private final ModelSpec spec;
  private final Path modelDir;
  private final Path workDir;

  TestModelContext(ModelSpec spec, Path modelDir, Path workDir) {
    this.spec = spec;
    this.modelDir = modelDir;
    this.workDir = workDir;
  }

  static TestModelContext of(Path modelDir, String engine, Map<String, String> properties) {
    Map<String, String> props = new java.util.LinkedHashMap<>(properties);
    props.put("engine", engine);
    String name = modelDir.getFileName().toString();
    return new TestModelContext(ModelSpec.of(name, null, modelDir.toUri().toString(), props), modelDir, modelDir);
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public Path modelDir() {
    return modelDir;
  }

  @Override
  public String engine() {
    return spec.engine().orElseThrow();
  }

  @Override
  public Path workDir() {
    return workDir;
  }

  @Override
  public ZooModel<Input, Output> loadDjlModel(Translator<Input, Output> translator, Device device) {
    try {
      return Criteria.builder()
          .setTypes(Input.class, Output.class)
          .optModelPath(modelDir)
          .optEngine(engine())
          .optDevice(device)
          .optTranslator(translator)
          .optOptions(spec.options())
          .optArguments(new java.util.HashMap<String, Object>(spec.arguments()))
          .build()
          .loadModel();
    } catch (Exception e) {
      throw new ModelLoadException("cannot load " + modelDir + ": " + e.getMessage(), e);
    }
  }
}
