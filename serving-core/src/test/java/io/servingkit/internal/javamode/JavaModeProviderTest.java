package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelSpec;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.ModeProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java mode as the server finds it: through ServiceLoader, named "java", priority 0, every DJL engine. */
class JavaModeProviderTest {

  @TempDir Path temp;

  @Test
  void serviceLoaderFindsTheJavaMode() {
    List<ModeProvider> providers =
        ServiceLoader.load(ModeProvider.class).stream().map(ServiceLoader.Provider::get).collect(Collectors.toList());

    assertThat(providers).filteredOn(p -> p.name().equals("java")).singleElement()
        .isInstanceOf(JavaModeProvider.class)
        .extracting(ModeProvider::priority).isEqualTo(0);
  }

  @Test
  void supportsEveryDjlEngineButNotPython() {
    JavaModeProvider provider = new JavaModeProvider();
    for (String engine : ModelSpec.ENGINES) {
      ModelSpec spec = ModelSpec.of("m", null, "file:/m", Map.of());
      boolean supported = provider.supports(new DefaultModelContext(spec, temp, engine, temp.resolve("work")));
      assertThat(supported).as(engine).isEqualTo(!engine.equals("Python"));
    }
  }
}
