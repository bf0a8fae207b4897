package io.servingkit.python;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.ModelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Test models under src/test/resources/models, loaded through the SPI with /usr/bin/python3. */
final class PythonTestModels {
  static final String PYTHON = "/usr/bin/python3";

  private PythonTestModels() {}

  static Path folder(String name) {
    try {
      return Path.of(PythonTestModels.class.getResource("/models/" + name + "/model.py").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The spec of a model folder: its serving.properties, /usr/bin/python3, then {@code overrides}. */
  static ModelSpec spec(String name, Path folder, Map<String, String> overrides) {
    Map<String, String> properties = new LinkedHashMap<>(ModelSpec.readProperties(folder.resolve("serving.properties")));
    properties.put("option.pythonExecutable", PYTHON);
    properties.putAll(overrides);
    return ModelSpec.of(name, null, folder.toUri().toString(), properties);
  }

  static PythonModel load(String name, Path workDir) {
    return load(name, folder(name), workDir, Map.of());
  }

  static PythonModel load(String name, Path folder, Path workDir, Map<String, String> overrides) {
    ModelSpec spec = spec(name, folder, overrides);
    return (PythonModel) new PythonModeProvider()
        .load(new TestModelContext(spec, folder, "Python", workDir), Device.cpu());
  }

  static Input text(String body) {
    return input(body.getBytes(StandardCharsets.UTF_8), "text/plain");
  }

  static Input input(byte[] body, String contentType) {
    Input input = new Input();
    if (contentType != null) {
      input.addProperty("Content-Type", contentType);
    }
    input.add("data", body);
    return input;
  }

  static Input withProperty(Input input, String key, String value) {
    input.addProperty(key, value);
    return input;
  }

  static String body(Output output) {
    return output.getData().getAsString();
  }

  static Output single(List<Output> outputs) {
    if (outputs.size() != 1) {
      throw new AssertionError("expected one output, got " + outputs.size());
    }
    return outputs.get(0);
  }

  /** Copies a model folder so a test may add files to it. */
  static Path copy(String name, Path target) {
    Path source = folder(name);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else if (!file.toString().contains("__pycache__")) {
          Files.copy(file, to);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
