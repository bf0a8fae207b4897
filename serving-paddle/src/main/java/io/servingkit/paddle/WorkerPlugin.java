package io.servingkit.paddle;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of the PaddlePaddle worker JVM: DJL 0.27, its PaddlePaddle engine and native library ({@code lib/},
 * copied there by the build) and the worker's own classes ({@code classes/}, compiled against those jars only),
 * all under {@value #ROOT} in this module's output. None of it is on a ServingKit class path: it becomes the
 * worker's {@code -classpath}.
 *
 * <p>From a folder (the build's {@code target/classes}) the files are used where they are. From a jar they are
 * extracted once into {@code <cache>/servingkit-paddle-worker/<digest of the entries>/}: a new folder is filled
 * and then renamed into place, so that concurrent JVMs never see half a copy and a changed jar gets a new folder.
 *
 * <p>Threading: immutable once located.
 */
final class WorkerPlugin {

  static final String ROOT = "io/servingkit/paddle/plugin/";
  static final String MAIN_CLASS = "io.servingkit.paddle.worker.PaddleWorkerMain";
  private static final String MAIN_RESOURCE = ROOT + "classes/" + MAIN_CLASS.replace('.', '/') + ".class";
  private static final Logger LOG = LoggerFactory.getLogger(WorkerPlugin.class);

  private final Path dir;
  private final List<Path> classPath;

  private WorkerPlugin(Path dir, List<Path> classPath) {
    this.dir = dir;
    this.classPath = List.copyOf(classPath);
  }

  /**
   * Finds the worker's files through {@code loader}, extracting them under {@code cacheDir} when they are in a jar.
   *
   * @throws ModelLoadException when they are missing or cannot be extracted
   */
  static WorkerPlugin locate(ClassLoader loader, Path cacheDir) {
    URL main = loader.getResource(MAIN_RESOURCE);
    if (main == null) {
      throw new ModelLoadException(
          "serving-paddle is incomplete: " + MAIN_RESOURCE + " is not on the class path (was the jar repackaged without"
              + " its " + ROOT + " folder?)");
    }
    try {
      Path dir;
      if (main.getProtocol().equals("file")) {
        dir = Paths.get(main.toURI());
        for (int i = 0; i < MAIN_CLASS.split("\\.").length + 1; i++) {
          dir = dir.getParent();
        }
      } else if (main.getProtocol().equals("jar")) {
        JarURLConnection connection = (JarURLConnection) main.openConnection();
        connection.setUseCaches(false);
        Path jar = Paths.get(connection.getJarFileURL().toURI());
        dir = extract(jar, cacheDir.resolve("servingkit-paddle-worker"));
      } else {
        throw new ModelLoadException("serving-paddle: cannot run the PaddlePaddle worker from " + main);
      }
      return new WorkerPlugin(dir, classPathOf(dir));
    } catch (IOException | URISyntaxException e) {
      throw new ModelLoadException("serving-paddle: cannot prepare the PaddlePaddle worker's files: " + e.getMessage(), e);
    }
  }

  /** The folder holding {@code lib/} and {@code classes/}. */
  Path dir() {
    return dir;
  }

  /** The worker's class path: {@code classes/}, then every jar of {@code lib/} in name order. */
  List<Path> classPath() {
    return classPath;
  }

  private static List<Path> classPathOf(Path dir) throws IOException {
    List<Path> entries = new ArrayList<>();
    entries.add(dir.resolve("classes"));
    try (Stream<Path> jars = Files.list(dir.resolve("lib"))) {
      jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(entries::add);
    }
    if (entries.size() == 1) {
      throw new IOException("no jar in " + dir.resolve("lib"));
    }
    return entries;
  }

  /** Extracts the entries under {@link #ROOT} of {@code jar} into a folder named by their digest. */
  static Path extract(Path jar, Path cacheRoot) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      List<JarEntry> entries = new ArrayList<>();
      Enumeration<JarEntry> all = file.entries();
      while (all.hasMoreElements()) {
        JarEntry entry = all.nextElement();
        if (entry.getName().startsWith(ROOT) && !entry.isDirectory()) {
          entries.add(entry);
        }
      }
      entries.sort(Comparator.comparing(JarEntry::getName));
      Path target = cacheRoot.resolve(digest(entries));
      if (Files.isDirectory(target)) {
        return target;
      }
      Files.createDirectories(cacheRoot);
      Path staging = Files.createTempDirectory(cacheRoot, "tmp-");
      try {
        for (JarEntry entry : entries) {
          Path out = staging.resolve(entry.getName().substring(ROOT.length())).normalize();
          if (!out.startsWith(staging)) {
            throw new IOException("unsafe entry name " + entry.getName());
          }
          Files.createDirectories(out.getParent());
          try (InputStream in = file.getInputStream(entry)) {
            Files.copy(in, out);
          }
        }
        LOG.info("Extracted the PaddlePaddle worker ({} files) from {} into {}", entries.size(), jar, target);
        try {
          Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          if (!Files.isDirectory(target)) {
            throw e;
          }
          // another JVM finished first (rename onto a full folder fails): its copy has the same content
        }
        return target;
      } finally {
        deleteTree(staging);
      }
    }
  }

  private static String digest(List<JarEntry> entries) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (JarEntry entry : entries) {
        sha.update((entry.getName() + ':' + entry.getSize() + ':' + entry.getCrc() + '\n').getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("Cannot delete {}: {}", dir, e.toString());
    }
  }
}
