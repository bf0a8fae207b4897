package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the worker's files in a folder (the build) and in a jar (a packaged application). */
class WorkerPluginTest {

  @TempDir Path temp;

  @Test
  void theBuildFolderIsUsedInPlace() {
    WorkerPlugin plugin = WorkerPlugin.locate(WorkerPluginTest.class.getClassLoader(), temp);
    assertThat(plugin.dir()).endsWith(Path.of("io/servingkit/paddle/plugin"));
    List<String> names = plugin.classPath().stream().map(p -> p.getFileName().toString()).toList();
    assertThat(names.get(0)).isEqualTo("classes");
    assertThat(names).contains("api-0.27.0.jar", "paddlepaddle-engine-0.27.0.jar", "paddlepaddle-native-cpu-2.3.2-linux-x86_64.jar");
    assertThat(names).noneMatch(n -> n.startsWith("api-0.36"));
  }

  @Test
  void aJarIsExtractedOnceIntoAFolderNamedByItsContent() throws IOException {
    Path jar = jar(temp.resolve("app.jar"), Map.of("lib/a.jar", "first", "classes/" + mainClassPath(), "main"));
    Path cache = temp.resolve("cache");
    WorkerPlugin first = locate(jar, cache);
    assertThat(Files.readString(first.dir().resolve("lib/a.jar"))).isEqualTo("first");
    assertThat(first.classPath()).containsExactly(first.dir().resolve("classes"), first.dir().resolve("lib/a.jar"));
    Files.writeString(first.dir().resolve("lib/marker"), "kept");
    assertThat(locate(jar, cache).dir()).isEqualTo(first.dir());
    assertThat(first.dir().resolve("lib/marker")).exists(); // not extracted again

    Path changed = jar(temp.resolve("app2.jar"), Map.of("lib/a.jar", "second", "classes/" + mainClassPath(), "main"));
    WorkerPlugin second = locate(changed, cache);
    assertThat(second.dir()).isNotEqualTo(first.dir());
    assertThat(Files.readString(second.dir().resolve("lib/a.jar"))).isEqualTo("second");
    try (var left = Files.list(cache)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("tmp-"));
    }
  }

  @Test
  void aJarWithoutTheWorkerIsNamed() throws IOException {
    Path jar = jar(temp.resolve("empty.jar"), Map.of("other/file", "x"));
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      assertThatThrownBy(() -> WorkerPlugin.locate(loader, temp))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageStartingWith("serving-paddle is incomplete: io/servingkit/paddle/plugin/classes/io/servingkit/paddle/worker/PaddleWorkerMain.class");
    }
  }

  private static WorkerPlugin locate(Path jar, Path cache) throws IOException {
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      return WorkerPlugin.locate(loader, cache);
    }
  }

  private static String mainClassPath() {
    return WorkerPlugin.MAIN_CLASS.replace('.', '/') + ".class";
  }

  private static Path jar(Path file, Map<String, String> entries) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        JarOutputStream jar = new JarOutputStream(out)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        String name = e.getKey().startsWith("other/") ? e.getKey() : WorkerPlugin.ROOT + e.getKey();
        jar.putNextEntry(new JarEntry(name));
        jar.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
    }
    return file;
  }
}
