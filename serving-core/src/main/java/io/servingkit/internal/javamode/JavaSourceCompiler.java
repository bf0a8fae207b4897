package io.servingkit.internal.javamode;

import io.servingkit.ModelLoadException;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles the {@code *.java} sources of a model's {@code libs/classes} folder at load time with the JDK's
 * compiler ({@code javax.tools}), into a separate output folder so that the model folder is never written to.
 *
 * <p>The class path of the compilation is the host's: every URL of the given class loader chain, {@code
 * java.class.path}, the jars that hold DJL and ServingKit, plus the model's own {@code libs/classes} and
 * {@code libs/*.jar}.
 *
 * <p>Threading: stateless; the JDK compiler is safe to run from several threads for different outputs.
 */
final class JavaSourceCompiler {

  private JavaSourceCompiler() {}

  /**
   * Compiles every {@code .java} file under {@code sourceDir} into {@code outputDir}.
   *
   * @param extraClassPath folders and jars of the model that the sources may use
   * @param loader the class loader whose class path the sources compile against
   * @return the number of source files compiled (0 when there were none)
   * @throws ModelLoadException with the compiler's messages when a source does not compile, or when this JVM has
   *     no compiler
   */
  static int compile(Path sourceDir, Path outputDir, List<Path> extraClassPath, ClassLoader loader) {
    List<Path> sources = listSources(sourceDir);
    if (sources.isEmpty()) {
      return 0;
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    if (compiler == null) {
      throw new ModelLoadException(
          "cannot compile "
              + sourceDir
              + ": this JVM has no Java compiler (run on a JDK, or put compiled classes in libs/classes)");
    }
    Set<String> classPath = new LinkedHashSet<>();
    extraClassPath.forEach(p -> classPath.add(p.toString()));
    classPath.addAll(hostClassPath(loader));
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StringWriter out = new StringWriter();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
      Files.createDirectories(outputDir);
      List<String> options =
          List.of(
              "-d", outputDir.toString(),
              "-classpath", String.join(File.pathSeparator, classPath),
              "-encoding", "UTF-8",
              "-proc:none",
              "-nowarn");
      Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
      boolean ok = compiler.getTask(out, files, diagnostics, options, null, units).call();
      if (!ok) {
        throw new ModelLoadException("cannot compile the model's Java sources in " + sourceDir + ":\n" + format(diagnostics, out));
      }
    } catch (IOException e) {
      throw new ModelLoadException("cannot compile the model's Java sources in " + sourceDir + ": " + e.getMessage(), e);
    }
    return sources.size();
  }

  private static List<Path> listSources(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new ModelLoadException("cannot list Java sources in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String format(DiagnosticCollector<JavaFileObject> diagnostics, StringWriter out) {
    List<String> lines = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() != Diagnostic.Kind.ERROR) {
        continue;
      }
      String where = d.getSource() == null ? "" : Paths.get(d.getSource().toUri()).getFileName() + ":" + d.getLineNumber() + ": ";
      lines.add(where + "error: " + d.getMessage(Locale.ROOT));
    }
    if (lines.isEmpty()) {
      lines.add(out.toString().strip());
    }
    return String.join("\n", lines);
  }

  /** The class path entries visible to {@code loader}: URL class loaders up the chain, java.class.path, anchors. */
  private static Set<String> hostClassPath(ClassLoader loader) {
    Set<String> entries = new LinkedHashSet<>();
    for (ClassLoader l = loader; l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader) {
        for (URL url : ((URLClassLoader) l).getURLs()) {
          addFileUrl(entries, url);
        }
      }
    }
    String javaClassPath = System.getProperty("java.class.path", "");
    for (String entry : javaClassPath.split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    // the jars that hold the API a translator is written against, wherever the host loaded them from
    for (Class<?> anchor :
        new Class<?>[] {
          ai.djl.translate.ServingTranslator.class, com.google.gson.Gson.class, org.slf4j.Logger.class,
          JavaSourceCompiler.class
        }) {
      CodeSource source = anchor.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        addFileUrl(entries, source.getLocation());
      }
    }
    return entries;
  }

  private static void addFileUrl(Set<String> entries, URL url) {
    if (!"file".equals(url.getProtocol())) {
      return;
    }
    try {
      entries.add(Paths.get(url.toURI()).toString());
    } catch (URISyntaxException | IllegalArgumentException e) {
      // not a plain file URL: the compiler could not use it either
    }
  }
}
