package io.servingkit.internal.loading;

import ai.djl.modality.Input;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model's warm-up inputs: {@code warmup_inputs} names a file or a folder of files inside the model folder
 * ({@code samples}), each file one request body under {@code data} with a content type from its extension;
 * {@code warmup_iterations} (default {@value #DEFAULT_ITERATIONS}) predictions cycle through them before the model
 * is READY, so that the JIT compiler and the engine have run the serving path before the first real request.
 *
 * <p>Threading: immutable.
 */
public final class WarmUp {
  /** Predictions run when {@code warmup_inputs} is set and {@code warmup_iterations} is not. */
  public static final int DEFAULT_ITERATIONS = 1000;

  private static final Map<String, String> CONTENT_TYPES =
      Map.of(
          "png", "image/png",
          "jpg", "image/jpeg",
          "jpeg", "image/jpeg",
          "json", "application/json",
          "txt", "text/plain");

  private final List<Path> files;
  private final List<byte[]> bodies;
  private final int iterations;

  private WarmUp(List<Path> files, List<byte[]> bodies, int iterations) {
    this.files = files;
    this.bodies = bodies;
    this.iterations = iterations;
  }

  /**
   * The warm-up a model's spec asks for; empty when it sets no {@code warmup_inputs}.
   *
   * @throws InvalidSpecException when {@code warmup_inputs} is outside the model folder, missing or holds no file
   * @throws ModelLoadException when an input cannot be read
   */
  public static Optional<WarmUp> of(ModelSpec spec, Path modelDir) {
    String given = spec.getString("warmup_inputs", "").strip();
    if (given.isEmpty()) {
      if (spec.property("warmup_iterations").isPresent()) {
        throw new InvalidSpecException("warmup_iterations is set but warmup_inputs is not: name the sample inputs");
      }
      return Optional.empty();
    }
    Path root = modelDir.toAbsolutePath().normalize();
    Path where = root.resolve(given).normalize();
    if (!where.startsWith(root)) {
      throw new InvalidSpecException("warmup_inputs=" + given + ": not inside the model folder");
    }
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(where)) {
      files.add(where);
    } else if (Files.isDirectory(where)) {
      try (Stream<Path> list = Files.list(where)) {
        list.filter(Files::isRegularFile)
            .filter(f -> !f.getFileName().toString().startsWith("."))
            .sorted()
            .forEach(files::add);
      } catch (IOException e) {
        throw new ModelLoadException("warmup_inputs=" + given + ": cannot list " + where + ": " + e.getMessage(), e);
      }
    }
    if (files.isEmpty()) {
      throw new InvalidSpecException(
          "warmup_inputs=" + given + ": " + (Files.exists(where) ? "holds no file" : "no such file or folder in the model"));
    }
    List<byte[]> bodies = new ArrayList<>();
    for (Path f : files) {
      try {
        bodies.add(Files.readAllBytes(f));
      } catch (IOException e) {
        throw new ModelLoadException("warmup_inputs: cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    int iterations = spec.getInt("warmup_iterations", DEFAULT_ITERATIONS);
    return Optional.of(new WarmUp(List.copyOf(files), List.copyOf(bodies), iterations));
  }

  /** How many predictions to run. */
  public int iterations() {
    return iterations;
  }

  /** The file the {@code i}-th prediction sends (they cycle). */
  public Path file(int i) {
    return files.get(i % files.size());
  }

  /** One new input per file, in the order the predictions cycle through them. */
  public List<Input> inputs() {
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      inputs.add(input(i));
    }
    return inputs;
  }

  /** A new input for the {@code i}-th prediction: the file's bytes under {@code data}, its content type. */
  public Input input(int i) {
    Input input = new Input();
    input.add("data", bodies.get(i % bodies.size()));
    String name = file(i).getFileName().toString();
    int dot = name.lastIndexOf('.');
    String type =
        dot < 0 ? null : CONTENT_TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    input.addProperty("content-type", type == null ? "application/octet-stream" : type);
    return input;
  }
}
