package io.servingkit.internal.javamode;

import io.servingkit.ModelSpec;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.internal.loading.EngineDetector;
import io.servingkit.spi.LoadedModel;
import java.nio.file.Path;
import java.util.Map;

/** Loads a model folder the way the server does: spec over serving.properties, detected engine, Java mode. */
final class JavaModeFixtures {

  private JavaModeFixtures() {}

  static DefaultModelContext context(Path dir, Path temp, Map<String, String> properties) {
    ModelSpec spec =
        ModelSpec.of(dir.getFileName().toString(), null, dir.toUri().toString(), properties)
            .withDefaults(ModelSpec.readProperties(dir.resolve("serving.properties")));
    return new DefaultModelContext(spec, dir, EngineDetector.detect(dir, spec), temp.resolve("work"));
  }

  static LoadedModel load(Path dir, Path temp) {
    return load(dir, temp, Map.of());
  }

  static LoadedModel load(Path dir, Path temp, Map<String, String> properties) {
    return new JavaModeProvider().load(context(dir, temp, properties), null);
  }
}
