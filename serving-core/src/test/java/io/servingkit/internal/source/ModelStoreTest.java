package io.servingkit.internal.source;

import static io.servingkit.internal.source.TestArchives.entries;
import static io.servingkit.internal.source.TestArchives.read;
import static io.servingkit.internal.source.TestArchives.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.ModelLoadException;
import io.servingkit.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
  @TempDir Path tmp;

  @Test
  void everySubFolderAndArchiveIsOneModelAndHiddenEntriesAreIgnored() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    Files.createDirectories(store.resolve("resnet18"));
    Files.writeString(store.resolve("resnet18/resnet18.pt"), "weights");
    zip(store.resolve("bert-base.zip"), entries("bert-base.pt", "bert"));
    try (TestArchives.Tar tar = new TestArchives.Tar(store.resolve("mlp.tar.gz"), true)) {
      tar.file("mlp.onnx", "onnx");
    }
    zip(store.resolve("squeezenet.mar"), entries("model.py", "def handle(inputs): return None"));
    Files.writeString(store.resolve(".DS_Store"), "finder");
    Files.createDirectories(store.resolve(".ipynb_checkpoints"));
    Files.createDirectories(store.resolve("__MACOSX"));
    Files.writeString(store.resolve("README.txt"), "not a model");

    List<ModelSpec> specs = ModelStore.scan(store);

    assertThat(specs).extracting(ModelSpec::name).containsExactly("bert_base", "mlp", "resnet18", "squeezenet");
    assertThat(specs).allSatisfy(s -> assertThat(s.version()).isEmpty());
    assertThat(specs.get(0).url()).isEqualTo(store.resolve("bert-base.zip").toUri().toString());

    // every URL the scan gives resolves to a model folder
    ModelArchives archives = new ModelArchives(tmp.resolve("cache"), Duration.ofSeconds(5), 1 << 20);
    List<Path> dirs = specs.stream().map(s -> archives.resolve(s.url())).collect(Collectors.toList());
    assertThat(read(dirs.get(0).resolve("bert-base.pt"))).isEqualTo("bert");
    assertThat(read(dirs.get(1).resolve("mlp.onnx"))).isEqualTo("onnx");
    assertThat(dirs.get(2)).isEqualTo(store.resolve("resnet18"));
    assertThat(dirs.get(3).resolve("model.py")).exists();
  }

  @Test
  void aStoreThatIsItselfAModelFolderIsOneModelNamedAfterIt() throws Exception {
    // what a KServe storage initializer leaves in /mnt/models: the model's own files at the top
    Path withProperties = Files.createDirectories(tmp.resolve("digits-onnx"));
    Files.writeString(withProperties.resolve("serving.properties"), "engine=OnnxRuntime\n");
    Files.writeString(withProperties.resolve("digits.onnx"), "onnx");
    Files.createDirectories(withProperties.resolve("samples"));
    Path bareOnnx = Files.createDirectories(tmp.resolve("models"));
    Files.writeString(bareOnnx.resolve("model.onnx"), "onnx");
    Path python = Files.createDirectories(tmp.resolve("echo"));
    Files.writeString(python.resolve("model.py"), "def handle(inputs): return None");
    Files.createDirectories(python.resolve("lib"));

    for (Path folder : List.of(withProperties, bareOnnx, python)) {
      List<ModelSpec> specs = ModelStore.scan(folder);
      assertThat(specs).as(folder.toString()).singleElement().satisfies(s -> {
        assertThat(s.name()).isEqualTo(ModelSpec.inferName(folder.getFileName().toString()));
        assertThat(s.url()).isEqualTo(folder.toUri().toString());
      });
    }
    assertThat(ModelStore.scan(withProperties).get(0).name()).isEqualTo("digits_onnx");

    // a store whose sub-folders are models, with a plain file beside them, stays a store
    Path store = Files.createDirectories(tmp.resolve("store"));
    Files.createDirectories(store.resolve("echo"));
    Files.writeString(store.resolve("echo/model.py"), "def handle(inputs): return None");
    Files.writeString(store.resolve("notes.txt"), "not a model");
    assertThat(ModelStore.scan(store)).extracting(ModelSpec::name).containsExactly("echo");
  }

  @Test
  void storeWithOnlyHiddenFilesHasNoModels() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    Files.writeString(store.resolve(".DS_Store"), "finder");

    assertThat(ModelStore.scan(store)).isEmpty();
  }

  @Test
  void folderAndArchiveWithTheSameNameClash() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    Files.createDirectories(store.resolve("resnet"));
    zip(store.resolve("resnet.zip"), entries("resnet.pt", "w"));

    assertThatThrownBy(() -> ModelStore.scan(store))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model store " + store + ": resnet and resnet.zip both give model name resnet");
  }

  @Test
  void missingStoreIsNamed() throws Exception {
    Path missing = tmp.resolve("no-store");
    assertThatThrownBy(() -> ModelStore.scan(missing))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model store " + missing + " does not exist");
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> ModelStore.scan(file))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("model store " + file + " is not a folder");
  }
}
