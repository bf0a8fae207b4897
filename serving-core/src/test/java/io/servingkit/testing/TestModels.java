package io.servingkit.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The committed test models of {@code examples/models/} (built by {@code make_models.py}): where they are and
 * how to copy one into a test's own folder before changing it.
 *
 * <p>Folders: {@code digits-pt}, {@code digits-onnx} (8x8 digit classifier with DJL's image classification
 * translator), {@code digit-images} (0.png ... 9.png, expected_probs.npy), {@code mlp-pt}, {@code mlp-onnx} (4 -> 8
 * -> 3 MLP, tensors in and out), {@code mlp-data} (inputs/expected .npy and .npz, weights.json); the BERT-style NLP
 * folders of {@code make_nlp_models.py} are described by {@link NlpSamples}.
 */
public final class TestModels {

  private TestModels() {}

  /**
   * The {@code examples/models} folder, found from the working directory upwards (tests run in a module folder,
   * so it is usually {@code ../examples/models}).
   */
  public static Path root() {
    Path dir = Paths.get("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path candidate = d.resolve("examples").resolve("models");
      if (Files.isDirectory(candidate.resolve("mlp-data"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("examples/models not found above " + dir);
  }

  /** One model or data folder of {@code examples/models}, e.g. {@code dir("digits-pt")}. */
  public static Path dir(String name) {
    Path dir = root().resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("no test model folder " + dir);
    }
    return dir;
  }

  /** Copies the folder {@code name} to {@code parent/<newName>} and returns the copy. */
  public static Path copy(String name, Path parent, String newName) {
    Path source = dir(name);
    Path target = parent.resolve(newName);
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  /** The bytes of a file in {@code examples/models}, e.g. {@code bytes("mlp-data/inputs.npy")}. */
  public static byte[] bytes(String relativePath) {
    try {
      return Files.readAllBytes(root().resolve(relativePath));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes (replaces) {@code serving.properties} in {@code modelDir}. */
  public static void writeProperties(Path modelDir, String... lines) {
    try {
      Files.writeString(modelDir.resolve("serving.properties"), String.join("\n", lines) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
