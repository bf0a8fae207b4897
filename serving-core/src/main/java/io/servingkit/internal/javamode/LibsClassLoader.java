package io.servingkit.internal.javamode;

import ai.djl.translate.ServingTranslator;
import io.servingkit.ModelLoadException;
import io.servingkit.internal.loading.Folders;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class loader of one loaded model's {@code libs/} folder (or {@code lib/}): the classes compiled from
 * {@code libs/classes/*.java}, the class files in {@code libs/classes} and every {@code libs/*.jar}, over the
 * host's class loader.
 *
 * <p>It owns the folder the sources were compiled into; {@link #close()} closes the jars and deletes that folder.
 *
 * <p>Threading: a class loader; safe to use from several threads.
 */
final class LibsClassLoader extends URLClassLoader {

  private static final Logger LOG = LoggerFactory.getLogger(LibsClassLoader.class);

  static {
    ClassLoader.registerAsParallelCapable();
  }

  private final Path compiledDir;
  private final List<Path> classDirs;
  private final List<Path> jars;

  private LibsClassLoader(URL[] urls, ClassLoader parent, Path compiledDir, List<Path> classDirs, List<Path> jars) {
    super(urls, parent);
    this.compiledDir = compiledDir;
    this.classDirs = classDirs;
    this.jars = jars;
  }

  /** The model's {@code libs/} folder (or {@code lib/}), if it has one. */
  static Path libsDir(Path modelDir) {
    Path libs = modelDir.resolve("libs");
    if (Files.isDirectory(libs)) {
      return libs;
    }
    Path lib = modelDir.resolve("lib");
    return Files.isDirectory(lib) ? lib : null;
  }

  /**
   * Compiles {@code libs/classes/*.java} into a new folder under {@code workDir} and opens a class loader over
   * the result, {@code libs/classes} and {@code libs/*.jar}.
   *
   * @throws ModelLoadException when a source does not compile (with the compiler's message) or a file cannot be read
   */
  static LibsClassLoader open(Path libsDir, Path workDir, ClassLoader parent) {
    Path sources = libsDir.resolve("classes");
    List<Path> jars = listJars(libsDir);
    Path compiled;
    try {
      Files.createDirectories(workDir);
      compiled = Files.createTempDirectory(workDir, "libs-classes-");
    } catch (IOException e) {
      throw new ModelLoadException("cannot create a folder for compiled classes in " + workDir + ": " + e.getMessage(), e);
    }
    try {
      List<Path> modelClassPath = new ArrayList<>();
      modelClassPath.add(sources);
      modelClassPath.addAll(jars);
      JavaSourceCompiler.compile(sources, compiled, modelClassPath, parent);
      List<Path> classDirs = List.of(compiled, sources);
      List<URL> urls = new ArrayList<>();
      for (Path dir : classDirs) {
        urls.add(toUrl(dir));
      }
      for (Path jar : jars) {
        urls.add(toUrl(jar));
      }
      return new LibsClassLoader(urls.toArray(new URL[0]), parent, compiled, classDirs, jars);
    } catch (RuntimeException e) {
      deleteQuietly(compiled);
      throw e;
    }
  }

  /**
   * Finds the first concrete {@link ServingTranslator} with a public no-argument constructor: classes compiled
   * from sources and class files first, then jars, each in name order.
   *
   * @return the class, or null when there is none
   */
  Class<? extends ServingTranslator> findServingTranslator() {
    for (Path dir : classDirs) {
      for (String name : classNamesIn(dir)) {
        Class<? extends ServingTranslator> found = servingTranslator(name);
        if (found != null) {
          return found;
        }
      }
    }
    for (Path jar : jars) {
      for (String name : classNamesIn(jar)) {
        Class<? extends ServingTranslator> found = servingTranslator(name);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private Class<? extends ServingTranslator> servingTranslator(String className) {
    try {
      Class<?> type = Class.forName(className, false, this);
      if (ServingTranslator.class.isAssignableFrom(type)
          && !type.isInterface()
          && !Modifier.isAbstract(type.getModifiers())
          && Modifier.isPublic(type.getModifiers())) {
        type.getConstructor();
        return type.asSubclass(ServingTranslator.class);
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      LOG.debug("Skipping {} while looking for a ServingTranslator: {}", className, e.toString());
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    try {
      super.close();
    } finally {
      deleteQuietly(compiledDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      Folders.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("Cannot delete {}: {}", dir, e.toString());
    }
  }

  private static List<String> classNamesIn(Path location) {
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(location)) {
      try (Stream<Path> walk = Files.walk(location)) {
        walk.filter(p -> p.toString().endsWith(".class") && Files.isRegularFile(p))
            .map(p -> className(location.relativize(p).toString().replace(location.getFileSystem().getSeparator(), "/")))
            .sorted()
            .forEach(names::add);
      } catch (IOException e) {
        throw new ModelLoadException("cannot list classes in " + location + ": " + e.getMessage(), e);
      }
    } else if (Files.isRegularFile(location)) {
      try (JarFile jar = new JarFile(location.toFile())) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          String entry = entries.nextElement().getName();
          if (entry.endsWith(".class") && !entry.startsWith("META-INF/")) {
            names.add(className(entry));
          }
        }
      } catch (IOException e) {
        throw new ModelLoadException("cannot read jar " + location + ": " + e.getMessage(), e);
      }
      names.sort(Comparator.naturalOrder());
    }
    names.removeIf(n -> n.endsWith("module-info") || n.endsWith("package-info"));
    return names;
  }

  private static String className(String relativePath) {
    return relativePath.substring(0, relativePath.length() - ".class".length()).replace('/', '.');
  }

  private static List<Path> listJars(Path libsDir) {
    try (Stream<Path> files = Files.list(libsDir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new ModelLoadException("cannot list " + libsDir + ": " + e.getMessage(), e);
    }
  }

  private static URL toUrl(Path path) {
    try {
      return path.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new ModelLoadException("cannot use " + path + " as a class path entry: " + e.getMessage(), e);
    }
  }
}
