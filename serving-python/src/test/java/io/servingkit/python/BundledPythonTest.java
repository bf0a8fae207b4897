package io.servingkit.python;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped Python files: the index lists them all, extraction happens once per version. */
class BundledPythonTest {
  @TempDir Path workDir;

  @Test
  void indexListsEveryPythonFileOfTheResources() throws Exception {
    Path root = Path.of(BundledPython.class.getResource(BundledPython.INDEX).toURI()).getParent();
    List<String> onDisk;
    try (Stream<Path> files = Files.walk(root)) {
      onDisk = files.filter(p -> p.toString().endsWith(".py"))
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }

    assertThat(BundledPython.indexEntries()).containsExactlyInAnyOrderElementsOf(onDisk);
  }

  @Test
  void extractsOnceIntoAVersionedFolder() throws Exception {
    Path first = BundledPython.extract(workDir);
    Path second = BundledPython.extract(workDir);

    assertThat(second).isEqualTo(first);
    assertThat(first.getFileName().toString()).matches("python-lib-[0-9a-f]{12}");
    assertThat(first.resolve("djl_python/__init__.py")).exists();
    assertThat(first.resolve("servingkit_worker.py")).exists();
    try (Stream<Path> entries = Files.list(workDir)) {
      assertThat(entries.toList()).containsExactly(first);
    }
  }
}
