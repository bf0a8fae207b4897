package io.servingkit.python;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Python side of the mode ({@code djl_python} and the worker loop), shipped as class-path resources and
 * extracted into the server's work folder once per content version: {@code <workDir>/python-lib-<hash>}.
 */
final class BundledPython {
  static final String RESOURCE_ROOT = "/io/servingkit/python/lib/";
  static final String INDEX = RESOURCE_ROOT + "files.txt";

  private BundledPython() {}

  /**
   * Returns the folder holding the extracted package, extracting it when this version is not there yet.
   * Safe when several models extract at once: each writes a private copy and moves it into place.
   */
  static Path extract(Path workDir) {
    Map<String, byte[]> files = readResources();
    Path target = workDir.resolve("python-lib-" + version(files));
    if (Files.isDirectory(target)) {
      return target;
    }
    Path tmp = null;
    try {
      Files.createDirectories(workDir);
      tmp = Files.createTempDirectory(workDir, "python-lib-tmp");
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path path = tmp.resolve(file.getKey());
        Files.createDirectories(path.getParent());
        Files.write(path, file.getValue());
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
        if (!Files.isDirectory(target)) {
          throw e;
        }
      }
      return target;
    } catch (IOException e) {
      throw new ModelLoadException("cannot extract the Python worker files into " + workDir + ": " + e, e);
    } finally {
      deleteTree(tmp);
    }
  }

  /** The bundled files by relative path, in index order. */
  static Map<String, byte[]> readResources() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : indexEntries()) {
      files.put(name, resource(RESOURCE_ROOT + name));
    }
    return files;
  }

  static List<String> indexEntries() {
    String index = new String(resource(INDEX), StandardCharsets.UTF_8);
    List<String> names = new ArrayList<>();
    for (String line : index.split("\n")) {
      if (!line.isBlank()) {
        names.add(line.strip());
      }
    }
    return names;
  }

  private static byte[] resource(String name) {
    try (InputStream in = BundledPython.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("serving-python is missing its resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + name, e);
    }
  }

  private static String version(Map<String, byte[]> files) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        digest.update(file.getKey().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(file.getValue());
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a left-over temporary folder lives in the server's own work folder
    }
  }
}
