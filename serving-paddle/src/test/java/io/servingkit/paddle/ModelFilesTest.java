package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

  @TempDir Path temp;

  @Test
  void thePrefixWinsOverTheFixedNames() throws IOException {
    touch("resnet.pdmodel", "resnet.pdiparams", "inference.pdmodel", "inference.pdiparams");
    assertThat(ModelFiles.find(temp, "resnet")).isEqualTo(new ModelFiles(temp.resolve("resnet.pdmodel"), temp.resolve("resnet.pdiparams")));
    assertThat(ModelFiles.find(temp, "other").program()).isEqualTo(temp.resolve("inference.pdmodel"));
  }

  @Test
  void theOlderNamesAndThePrefixFolderAreFound() throws IOException {
    touch("__model__", "__params__");
    assertThat(ModelFiles.find(temp, null)).isEqualTo(new ModelFiles(temp.resolve("__model__"), temp.resolve("__params__")));
    Path other = Files.createDirectories(temp.resolve("other/m"));
    Files.write(other.resolve("model"), new byte[1]);
    Files.write(other.resolve("params"), new byte[1]);
    assertThat(ModelFiles.find(temp.resolve("other"), "m").program()).isEqualTo(other.resolve("model"));
  }

  @Test
  void missingFilesAreNamed() throws IOException {
    assertThatThrownBy(() -> ModelFiles.find(temp, "m"))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessage(
            "no PaddlePaddle model in " + temp + ": expected one of m.pdmodel + m.pdiparams, inference.pdmodel + inference.pdiparams,"
                + " model + params, __model__ + __params__");
    touch("m.pdmodel");
    assertThatThrownBy(() -> ModelFiles.find(temp, "m"))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessage("PaddlePaddle model " + temp.resolve("m.pdmodel") + " has no parameters file m.pdiparams next to it");
  }

  private void touch(String... names) throws IOException {
    for (String name : names) {
      Files.write(temp.resolve(name), new byte[1]);
    }
  }
}
