package io.servingkit.internal.source;

import static io.servingkit.internal.source.TestArchives.entries;
import static io.servingkit.internal.source.TestArchives.list;
import static io.servingkit.internal.source.TestArchives.read;
import static io.servingkit.internal.source.TestArchives.zip;
import static io.servingkit.internal.source.TestArchives.zipBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelArchivesTest {
  @TempDir Path tmp;
  private Path src;
  private Path cache;
  private ModelArchives archives;

  @BeforeEach
  void setUp() {
    src = tmp.resolve("src");
    cache = tmp.resolve("cache");
    archives = new ModelArchives(cache, Duration.ofSeconds(10), 1 << 20);
  }

  @Test
  void fileFolderResolvesToItselfInEveryUrlSpelling() throws Exception {
    Path model = Files.createDirectories(src.resolve("resnet"));
    Files.writeString(model.resolve("model.pt"), "weights");
    Files.writeString(model.resolve("serving.properties"), "engine=PyTorch");

    assertThat(archives.resolve(model.toString())).isEqualTo(model);
    assertThat(archives.resolve("file:" + model)).isEqualTo(model);
    assertThat(archives.resolve(model.toUri().toString())).isEqualTo(model);
    assertThat(archives.resolve("file://localhost" + model)).isEqualTo(model);
    assertThat(cache).doesNotExist();
  }

  @Test
  void fileUrlWithSpacesAndEscapes() throws Exception {
    Path model = Files.createDirectories(src.resolve("my model"));
    Files.writeString(model.resolve("model.onnx"), "x");

    assertThat(archives.resolve("file:" + model)).isEqualTo(model);
    assertThat(archives.resolve(model.toUri().toString())).isEqualTo(model);
  }

  @Test
  void missingPathIsNamed() {
    Path missing = src.resolve("nope");
    assertThatThrownBy(() -> archives.resolve("file:" + missing))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("Invalid model url: file:" + missing);
    assertThatThrownBy(() -> archives.resolve(missing.toString()))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("Invalid model url: " + missing);
  }

  @Test
  void zipIsExtractedIntoTheCacheUnderItsName() throws Exception {
    Path zip = zip(src.resolve("resnet18.zip"),
        entries("resnet18.pt", "weights", "serving.properties", "engine=PyTorch"));

    Path dir = archives.resolve("file:" + zip);

    assertThat(dir.getFileName()).hasToString("resnet18");
    assertThat(dir.getParent().getParent()).isEqualTo(cache);
    assertThat(list(dir)).containsExactly("resnet18.pt", "serving.properties");
    assertThat(read(dir.resolve("resnet18.pt"))).isEqualTo("weights");
    assertThat(list(cache)).hasSize(1).allMatch(n -> n.matches("[0-9a-f]{64}"));
  }

  @Test
  void marIsAZip() throws Exception {
    Path mar = zip(src.resolve("squeezenet.mar"),
        entries("MAR-INF/", "", "MAR-INF/MANIFEST.json", "{\"runtime\":\"python\"}",
            "model.py", "def handle(x): pass"));

    Path dir = archives.resolve(mar.toString());

    assertThat(dir.getFileName()).hasToString("squeezenet");
    assertThat(list(dir)).containsExactly("MAR-INF", "model.py");
    assertThat(read(dir.resolve("MAR-INF/MANIFEST.json"))).contains("python");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp.tar.gz", "mlp.tgz", "mlp.tar"})
  void tarArchivesAreExtracted(String fileName) throws Exception {
    Path archive = src.resolve(fileName);
    try (TestArchives.Tar tar = new TestArchives.Tar(archive, !fileName.endsWith(".tar"))) {
      tar.dir("mlp").file("mlp/mlp-symbol.json", "{}").file("mlp/mlp-0000.params", "params")
          .file("mlp/synset.txt", "0\n1\n");
    }

    Path dir = archives.resolve("file:" + archive);

    assertThat(dir.getFileName()).hasToString("mlp");
    assertThat(list(dir)).containsExactly("mlp-0000.params", "mlp-symbol.json", "synset.txt");
    assertThat(read(dir.resolve("synset.txt"))).isEqualTo("0\n1\n");
  }

  @Test
  void archiveWithoutKnownSuffixIsRecognisedByContent() throws Exception {
    Path archive = src.resolve("model.bin");
    try (TestArchives.Tar tar = new TestArchives.Tar(archive, true)) {
      tar.file("model.onnx", "onnx");
    }

    Path dir = archives.resolve(archive.toString());

    assertThat(read(dir.resolve("model.onnx"))).isEqualTo("onnx");
  }

  @Test
  void singleGzippedFileBecomesAFolderHoldingIt() throws Exception {
    Path gz = src.resolve("model.onnx.gz");
    Files.createDirectories(src);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write("onnx-bytes".getBytes(StandardCharsets.UTF_8));
    }

    Path dir = archives.resolve(gz.toString());

    assertThat(dir.getFileName()).hasToString("model.onnx");
    assertThat(read(dir.resolve("model.onnx"))).isEqualTo("onnx-bytes");
  }

  @Test
  void plainFileThatIsNoArchiveIsRefused() throws Exception {
    Path file = Files.createDirectories(src).resolve("notes.txt");
    Files.writeString(file, "just text, long enough to not look like any archive at all");
    assertThatThrownBy(() -> archives.resolve(file.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(file + ": " + file + " is neither a model folder nor a supported archive "
            + "(.zip, .mar, .tar.gz, .tgz, .tar, .gz)");
  }

  @Test
  void corruptZipIsRefusedWithTheUrl() throws Exception {
    Path zip = Files.createDirectories(src).resolve("broken.zip");
    Files.writeString(zip, "PK\u0003\u0004 but not really a zip");
    assertThatThrownBy(() -> archives.resolve("file:" + zip))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("file:" + zip + ": not a valid zip archive");
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void unsupportedSchemeIsNamed() {
    assertThatThrownBy(() -> archives.resolve("s3://bucket/model.zip"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("s3://bucket/model.zip: unsupported URL scheme 's3' "
            + "(supported: file, http, https, jar, classpath)");
    assertThatThrownBy(() -> archives.resolve(" "))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model URL is empty");
  }

  @Test
  void singleNestedFolderIsDescendedIgnoringHiddenEntries() throws Exception {
    Path zip = zip(src.resolve("bert.zip"), entries(
        "bert-base/", "",
        "bert-base/bert-base.pt", "weights",
        "bert-base/serving.properties", "engine=PyTorch",
        "__MACOSX/bert-base/._bert-base.pt", "resource fork",
        ".DS_Store", "finder"));

    Path dir = archives.resolve(zip.toString());

    assertThat(dir.getFileName()).hasToString("bert-base");
    assertThat(list(dir)).containsExactly("bert-base.pt", "serving.properties");
  }

  @Test
  void singleNestedFoldersOfAPlainFolderAreDescended() throws Exception {
    Path inner = Files.createDirectories(src.resolve("outer/middle/resnet"));
    Files.writeString(inner.resolve("model.pt"), "w");
    Files.writeString(inner.resolve("serving.properties"), "");
    Files.writeString(src.resolve("outer/.DS_Store"), "finder");

    assertThat(archives.resolve("file:" + src.resolve("outer"))).isEqualTo(inner);
  }

  @Test
  void folderWithModelFilesAndASubfolderIsNotDescended() throws Exception {
    Path model = Files.createDirectories(src.resolve("model"));
    Files.createDirectories(model.resolve("libs"));
    Files.writeString(model.resolve("model.py"), "");

    assertThat(archives.resolve(model.toString())).isEqualTo(model);
  }

  @Test
  void loneInnerZipInAFolderIsExtracted() throws Exception {
    Path folder = Files.createDirectories(src.resolve("holder"));
    zip(folder.resolve("mlp.zip"), entries("mlp.onnx", "onnx", "serving.properties", "engine=OnnxRuntime"));

    Path dir = archives.resolve("file:" + folder);

    assertThat(dir.getFileName()).hasToString("mlp");
    assertThat(dir.startsWith(cache)).isTrue();
    assertThat(list(dir)).containsExactly("mlp.onnx", "serving.properties");
  }

  @Test
  void loneInnerZipInsideAnArchiveIsExtracted() throws Exception {
    byte[] inner = zipBytes(entries("model.pt", "weights"));
    Path tgz = src.resolve("bundle.tgz");
    try (TestArchives.Tar tar = new TestArchives.Tar(tgz, true)) {
      tar.dir("bundle").file("bundle/resnet.zip", inner);
    }

    Path dir = archives.resolve(tgz.toString());

    assertThat(dir.getFileName()).hasToString("resnet");
    assertThat(read(dir.resolve("model.pt"))).isEqualTo("weights");
  }

  @Test
  void sameContentIsExtractedOnceAndReused() throws Exception {
    var content = entries("model.pt", "weights", "serving.properties", "engine=PyTorch");
    Path first = zip(src.resolve("a/resnet.zip"), content);
    Path second = zip(src.resolve("b/resnet.zip"), content);

    Path dir = archives.resolve(first.toString());
    Path marker = Files.writeString(dir.resolve("marker"), "left by the test");
    Path again = archives.resolve("file:" + second);
    Path sameFileAgain = new ModelArchives(cache, Duration.ofSeconds(1), 1).resolve(first.toString());

    assertThat(again).isEqualTo(dir);
    assertThat(sameFileAgain).isEqualTo(dir);
    assertThat(marker).exists(); // not re-extracted
    assertThat(list(cache)).hasSize(1);

    Path other = zip(src.resolve("c/resnet.zip"), entries("model.pt", "other weights"));
    Path otherDir = archives.resolve(other.toString());
    assertThat(otherDir).isNotEqualTo(dir);
    assertThat(read(otherDir.resolve("model.pt"))).isEqualTo("other weights");
    assertThat(list(cache)).hasSize(2);
  }

  @Test
  @Timeout(60)
  void concurrentResolvesOfTheSameArchiveAgree() throws Exception {
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      big.append("line ").append(i).append('\n');
    }
    var content = entries("model.pt", big.toString(), "a/b/c.txt", "c", "serving.properties", "engine=PyTorch");
    Path zip = zip(src.resolve("busy.zip"), content);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Path>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return archives.resolve(zip.toString());
        }));
      }
      start.countDown();
      Path first = results.get(0).get(30, TimeUnit.SECONDS);
      for (Future<Path> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(first);
      }
      assertThat(read(first.resolve("model.pt"))).isEqualTo(big.toString());
      assertThat(read(first.resolve("a/b/c.txt"))).isEqualTo("c");
      assertThat(list(cache)).hasSize(1); // no .extract-* leftovers
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void jarEntryArchiveAndJarFolderAreExtracted() throws Exception {
    Path jar = src.resolve("app.jar");
    zip(jar, entries(
        "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n",
        "models/mlp/serving.properties", "engine=OnnxRuntime",
        "models/mlp/mlp.onnx", "onnx",
        "models/packed.zip", zipBytes(entries("model.onnx", "onnx"))));

    Path packed = archives.resolve("jar:" + jar.toUri() + "!/models/packed.zip");
    assertThat(packed.getFileName()).hasToString("packed");
    assertThat(read(packed.resolve("model.onnx"))).isEqualTo("onnx");

    Path folder = archives.resolve("jar:" + jar.toUri() + "!/models/mlp/");
    assertThat(folder.getFileName()).hasToString("mlp");
    assertThat(folder.startsWith(cache)).isTrue();
    assertThat(list(folder)).containsExactly("mlp.onnx", "serving.properties");
    assertThat(archives.resolve("jar:" + jar.toUri() + "!/models/mlp")).isEqualTo(folder);

    assertThatThrownBy(() -> archives.resolve("jar:" + jar.toUri() + "!/models/none"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("jar:" + jar.toUri() + "!/models/none: entry models/none not found in jar " + jar);
  }

  @Test
  void classpathResourcesInAJarAndOnDisk() throws Exception {
    Path jar = src.resolve("models.jar");
    zip(jar, entries("zoo/", "", "zoo/tiny/", "", "zoo/tiny/tiny.pt", "weights", "zoo/tiny/serving.properties", ""));
    Path dirOnDisk = Files.createDirectories(tmp.resolve("classes/zoo2/small"));
    Files.writeString(dirOnDisk.resolve("small.onnx"), "onnx");

    ClassLoader previous = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL(), tmp.resolve("classes").toUri().toURL()}, null)) {
      Thread.currentThread().setContextClassLoader(loader);

      Path tiny = archives.resolve("jar:///zoo/tiny");
      assertThat(list(tiny)).containsExactly("serving.properties", "tiny.pt");
      assertThat(archives.resolve("classpath:zoo/tiny/")).isEqualTo(tiny);
      assertThat(archives.resolve("classpath:/zoo2/small")).isEqualTo(dirOnDisk);
      assertThatThrownBy(() -> archives.resolve("jar:///zoo/missing.zip"))
          .isInstanceOf(ModelLoadException.class)
          .hasMessage("jar:///zoo/missing.zip: class path resource zoo/missing.zip not found");
    } finally {
      Thread.currentThread().setContextClassLoader(previous);
    }
  }
}
