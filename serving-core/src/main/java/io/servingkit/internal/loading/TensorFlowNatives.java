package io.servingkit.internal.loading;

import ai.djl.util.Platform;
import ai.djl.util.Utils;
import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the TensorFlow native libraries of {@code org.tensorflow:tensorflow-core-native} visible to DJL.
 *
 * <p>DJL's TensorFlow engine does not look inside that jar: it looks for {@code libjnitensorflow} in its engine
 * cache folder ({@code <DJL cache>/tensorflow/<version>-<flavor>-<classifier>/}) and downloads the libraries when
 * they are missing. Before the first TensorFlow model is loaded, this class copies the libraries from the class
 * path into exactly that folder, once per machine, so DJL finds them and never downloads. No system property or
 * environment variable is set. Without the jar on the class path it does nothing and DJL behaves as usual.
 *
 * <p>The jar is read through class-loader resources only; there is no compile dependency on TensorFlow.
 *
 * <p>Threading: safe to call from several threads and processes at once: a JVM-wide lock plus a file lock in the
 * cache folder serialise the copy, and the files are written to a temporary folder that is moved into place.
 */
final class TensorFlowNatives {

  private static final Logger LOG = LoggerFactory.getLogger(TensorFlowNatives.class);
  private static final String RESOURCE_ROOT = "org/tensorflow/internal/c_api/";
  private static final String JNI_LIBRARY = System.mapLibraryName("jnitensorflow");
  /** Serialises copies within this JVM (a FileLock cannot be taken twice by one JVM). A constant, not state. */
  private static final ReentrantLock COPY_LOCK = new ReentrantLock();

  private TensorFlowNatives() {}

  /**
   * Copies the native libraries into DJL's TensorFlow cache folder unless they are already there.
   *
   * @param loader the class loader that sees {@code tensorflow-core-native}
   * @return the folder DJL will load the libraries from, or null when the jar is not on the class path
   * @throws ModelLoadException when the copy fails
   */
  static Path install(ClassLoader loader) {
    return install(loader, Utils.getEngineCacheDir("tensorflow"));
  }

  /** {@link #install(ClassLoader)} into another cache folder (the tests' seam). */
  static Path install(ClassLoader loader, Path cacheDir) {
    Platform platform = Platform.detectPlatform("tensorflow");
    String resourceDir = RESOURCE_ROOT + javacppPlatform(platform.getClassifier()) + "/";
    URL jni = loader.getResource(resourceDir + JNI_LIBRARY);
    if (jni == null) {
      return null;
    }
    Path target =
        cacheDir.resolve(platform.getVersion() + '-' + platform.getFlavor() + '-' + platform.getClassifier());
    if (Files.isRegularFile(target.resolve(JNI_LIBRARY))) {
      return target;
    }
    COPY_LOCK.lock();
    try {
      Files.createDirectories(cacheDir);
      try (FileChannel lockFile =
          FileChannel.open(
              cacheDir.resolve(".servingkit-unpack.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = lockFile.lock();
        try {
          if (!Files.isRegularFile(target.resolve(JNI_LIBRARY))) {
            copy(loader, jni, resourceDir, cacheDir, target);
          }
        } finally {
          lock.release();
        }
      }
      return target;
    } catch (IOException | UncheckedIOException e) {
      throw new ModelLoadException(
          "cannot unpack the TensorFlow native libraries from the class path into " + target + ": " + e.getMessage(),
          e);
    } finally {
      COPY_LOCK.unlock();
    }
  }

  private static void copy(ClassLoader loader, URL jni, String resourceDir, Path cacheDir, Path target)
      throws IOException {
    List<String> names = listLibraries(jni, resourceDir);
    LOG.info("Unpacking TensorFlow native libraries {} into {}", names, target);
    Path tmp = Files.createTempDirectory(cacheDir, "tmp-servingkit-");
    try {
      for (String name : names) {
        try (InputStream in = loader.getResourceAsStream(resourceDir + name)) {
          if (in == null) {
            throw new IOException("resource " + resourceDir + name + " disappeared");
          }
          Files.copy(in, tmp.resolve(name));
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException e) {
        // a folder left by an older run, or no atomic move here: move the files one by one
        Files.createDirectories(target);
        for (String name : names) {
          Files.move(tmp.resolve(name), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } finally {
      Folders.deleteTree(tmp);
    }
  }

  /** Names of the plain files next to {@code libjnitensorflow} (the libraries it links against). */
  private static List<String> listLibraries(URL jni, String resourceDir) throws IOException {
    List<String> names = new ArrayList<>();
    URLConnection connection = jni.openConnection();
    if (connection instanceof JarURLConnection) {
      connection.setUseCaches(false);
      try (JarFile jar = ((JarURLConnection) connection).getJarFile()) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          JarEntry entry = entries.nextElement();
          String rest = entry.getName().startsWith(resourceDir) ? entry.getName().substring(resourceDir.length()) : "";
          if (!entry.isDirectory() && isLibrary(rest)) {
            names.add(rest);
          }
        }
      }
    } else if ("file".equals(jni.getProtocol())) {
      try (Stream<Path> files = Files.list(toPath(jni).getParent())) {
        files.map(p -> p.getFileName().toString()).filter(TensorFlowNatives::isLibrary).forEach(names::add);
      }
    } else {
      names.add(JNI_LIBRARY);
    }
    names.sort(Comparator.naturalOrder());
    return names;
  }

  private static boolean isLibrary(String name) {
    return !name.isEmpty() && !name.contains("/") && (name.contains(".so") || name.endsWith(".dylib") || name.endsWith(".dll"));
  }

  private static Path toPath(URL url) throws IOException {
    try {
      return Paths.get(url.toURI());
    } catch (URISyntaxException e) {
      throw new IOException("bad resource URL " + url, e);
    }
  }

  /** Maps DJL's platform classifier ({@code linux-x86_64}, {@code osx-aarch64}) to JavaCPP's folder name. */
  static String javacppPlatform(String djlClassifier) {
    String c = djlClassifier.toLowerCase(Locale.ROOT);
    if (c.startsWith("osx-")) {
      return "macosx-" + (c.endsWith("aarch64") ? "arm64" : c.substring(4));
    }
    if (c.startsWith("win-")) {
      return "windows-" + c.substring(4);
    }
    if (c.equals("linux-aarch64")) {
      return "linux-arm64";
    }
    return c;
  }
}
