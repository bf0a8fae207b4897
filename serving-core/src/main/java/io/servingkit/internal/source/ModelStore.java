package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelSpec;
import io.servingkit.internal.loading.EngineDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The models of a model store folder, for {@code load_models=ALL}: every sub-folder and every archive
 * ({@code .zip .mar .tar.gz .tgz .tar .gz}) is one model, named after it by {@link ModelSpec#inferName(String)}.
 * Hidden entries (names starting with {@code .}, such as {@code .DS_Store}), {@code __MACOSX} and other plain
 * files are not models. A store that is itself a model folder (a {@code serving.properties} at its top, or a
 * model file the engine detection recognises, such as {@code model.onnx} or {@code model.py}) is one model named
 * after the folder: what a KServe storage initializer leaves in {@code /mnt/models}.
 *
 * <p>Threading: stateless.
 */
public final class ModelStore {

  private ModelStore() {}

  /**
   * One spec per model in the store, sorted by name; each URL is the entry's {@code file:} URI.
   *
   * @throws ModelLoadException when the folder does not exist or cannot be read, or when two entries give the
   *     same model name
   */
  public static List<ModelSpec> scan(Path storeDir) {
    if (!Files.isDirectory(storeDir)) {
      throw new ModelLoadException(
          "model store " + storeDir + (Files.exists(storeDir) ? " is not a folder" : " does not exist"));
    }
    ModelSpec self = ModelSpec.of(folderName(storeDir), null, storeDir.toUri().toString(), Map.of());
    if (isModelFolder(storeDir, self)) {
      return List.of(self);
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(storeDir)) {
      entries = list.sorted(Comparator.comparing(p -> p.getFileName().toString())).collect(Collectors.toList());
    } catch (IOException e) {
      throw new ModelLoadException("model store " + storeDir + " cannot be read: " + e, e);
    }
    Map<String, ModelSpec> byName = new TreeMap<>();
    Map<String, Path> sources = new TreeMap<>();
    for (Path entry : entries) {
      String fileName = entry.getFileName().toString();
      if (isIgnored(fileName)) {
        continue;
      }
      boolean model =
          Files.isDirectory(entry)
              || (Files.isRegularFile(entry) && ArchiveFormat.fromFileName(fileName).isPresent());
      if (!model) {
        continue;
      }
      String name = ModelSpec.inferName(fileName);
      Path clash = sources.putIfAbsent(name, entry);
      if (clash != null) {
        throw new ModelLoadException(
            "model store " + storeDir + ": " + clash.getFileName() + " and " + fileName + " both give model name "
                + name);
      }
      byName.put(name, ModelSpec.of(name, null, entry.toUri().toString(), Map.of()));
    }
    return new ArrayList<>(byName.values());
  }

  /** The model name a folder gives ({@code /mnt/models}: {@code models}). */
  private static String folderName(Path dir) {
    Path name = dir.toAbsolutePath().normalize().getFileName();
    return ModelSpec.inferName(name == null ? "model" : name.toString());
  }

  /** Whether the folder is a model itself rather than a store of models. */
  private static boolean isModelFolder(Path dir, ModelSpec self) {
    if (Files.isRegularFile(dir.resolve("serving.properties"))) {
      return true;
    }
    try {
      EngineDetector.detect(dir, self);
      return true;
    } catch (ModelNotFoundException e) {
      return false;
    }
  }

  /** Whether a folder entry is not part of a model: hidden ({@code .DS_Store}, {@code .git}) or {@code __MACOSX}. */
  static boolean isIgnored(String fileName) {
    return fileName.startsWith(".") || fileName.equals("__MACOSX");
  }
}
