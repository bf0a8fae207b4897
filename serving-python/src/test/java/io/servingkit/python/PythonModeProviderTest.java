package io.servingkit.python;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelSpec;
import io.servingkit.spi.ModeProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PythonModeProviderTest {

  @Test
  void isFoundByServiceLoaderAsPythonWithPriority20() {
    List<ModeProvider> providers = ServiceLoader.load(ModeProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p instanceof PythonModeProvider)
        .toList();

    assertThat(providers).hasSize(1);
    assertThat(providers.get(0).name()).isEqualTo("python");
    assertThat(providers.get(0).priority()).isEqualTo(20);
  }

  @Test
  void supportsOnlyThePythonEngine() {
    ModelSpec spec = ModelSpec.of("m", null, "file:/m", Map.of());
    PythonModeProvider provider = new PythonModeProvider();

    assertThat(provider.supports(new TestModelContext(spec, Path.of("/m"), "Python", Path.of("/w")))).isTrue();
    assertThat(provider.supports(new TestModelContext(spec, Path.of("/m"), "PyTorch", Path.of("/w")))).isFalse();
    assertThat(provider.supports(new TestModelContext(spec, Path.of("/m"), "python", Path.of("/w")))).isFalse();
  }
}
