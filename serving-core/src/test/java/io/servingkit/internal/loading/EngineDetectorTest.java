package io.servingkit.internal.loading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Engine detection rules of compat.md §2, one folder layout per row. */
class EngineDetectorTest {

  @TempDir Path temp;

  static Stream<Arguments> layouts() {
    return Stream.of(
        // files in a folder named "resnet" (";" separates files, "dir/" makes a folder), spec properties, engine
        Arguments.of("resnet.pt", "", "PyTorch"),
        Arguments.of("model.pt", "", "PyTorch"),
        Arguments.of("saved_model.pb;variables/", "", "TensorFlow"),
        Arguments.of("resnet.onnx", "", "OnnxRuntime"),
        Arguments.of("model.onnx", "", "OnnxRuntime"),
        Arguments.of("resnet-symbol.json;resnet-0000.params", "", "MXNet"),
        Arguments.of("resnet-0012.params", "", "MXNet"),
        Arguments.of("resnet.pdmodel", "", "PaddlePaddle"),
        Arguments.of("inference.pdmodel;inference.pdiparams", "", "PaddlePaddle"),
        Arguments.of("model.py", "", "Python"),
        Arguments.of("resnet.py", "", "Python"),
        Arguments.of("MAR-INF/", "", "Python"),
        Arguments.of("handler.bin", "option.entryPoint=my_handler.py", "Python"),
        // the order decides when several match
        Arguments.of("model.pt;saved_model.pb;model.onnx;model.py", "", "PyTorch"),
        Arguments.of("saved_model.pb;model.onnx", "", "TensorFlow"),
        Arguments.of("model.onnx;resnet-symbol.json", "", "OnnxRuntime"),
        Arguments.of("resnet-symbol.json;model.py", "", "MXNet"),
        // option.modelName is the prefix instead of the folder name
        Arguments.of("digits.onnx", "option.modelName=digits", "OnnxRuntime"),
        Arguments.of("resnet.onnx;digits.pt", "option.modelName=digits", "PyTorch"),
        // engine= wins, in any case
        Arguments.of("model.onnx", "engine=pytorch", "PyTorch"),
        Arguments.of("anything.bin", "engine=MXNET", "MXNet"));
  }

  @ParameterizedTest(name = "{0} [{1}] -> {2}")
  @MethodSource("layouts")
  void detectsTheEngineFromTheFolder(String files, String properties, String engine) throws IOException {
    Path dir = folder("resnet", files);
    assertThat(EngineDetector.detect(dir, spec(dir, properties))).isEqualTo(engine);
  }

  @Test
  void readsEngineAndModelNameFromServingPropertiesWhenTheSpecLacksThem() throws IOException {
    Path dir = folder("resnet", "digits.pt;model.onnx");
    Files.writeString(dir.resolve("serving.properties"), "option.modelName=digits\n");
    assertThat(EngineDetector.detect(dir, spec(dir, ""))).isEqualTo("PyTorch");

    Files.writeString(dir.resolve("serving.properties"), "engine=OnnxRuntime\n");
    assertThat(EngineDetector.detect(dir, spec(dir, ""))).isEqualTo("OnnxRuntime");
    assertThat(EngineDetector.detect(dir, spec(dir, "engine=PyTorch"))).as("the spec wins").isEqualTo("PyTorch");
  }

  @Test
  void aFileNamedForAnotherPrefixDoesNotCount() throws IOException {
    Path dir = folder("resnet", "other.pt;other.onnx;other-symbol.json;resnet-1.params;notes.txt");
    assertThatThrownBy(() -> EngineDetector.detect(dir, spec(dir, "")))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("Failed to detect engine of the model: " + dir);
  }

  @Test
  void anUnknownEngineNamesTheKnownOnes() throws IOException {
    Path dir = folder("resnet", "model.pt");
    assertThatThrownBy(() -> EngineDetector.detect(dir, spec(dir, "engine=Caffe")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith("engine=Caffe: unknown engine, expected one of PyTorch, OnnxRuntime");
  }

  private Path folder(String name, String files) throws IOException {
    Path dir = Files.createDirectories(temp.resolve(name));
    for (String file : files.split(";")) {
      if (file.endsWith("/")) {
        Files.createDirectories(dir.resolve(file));
      } else {
        Files.write(dir.resolve(file), new byte[] {1});
      }
    }
    return dir;
  }

  private static ModelSpec spec(Path dir, String properties) {
    ModelSpec spec = ModelSpec.of("m", null, dir.toUri().toString(), Map.of());
    for (String pair : properties.isEmpty() ? new String[0] : properties.split(";")) {
      int eq = pair.indexOf('=');
      spec = spec.with(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return spec;
  }
}
