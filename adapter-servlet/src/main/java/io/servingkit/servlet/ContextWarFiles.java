package io.servingkit.servlet;

import jakarta.servlet.ServletContext;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link WarFiles} of a servlet context. A folder of an expanded WAR is used in place; from a WAR that was
 * not expanded (Tomcat's {@code unpackWARs="false"}, Jetty's {@code extractWAR=false}) it is copied under
 * the context's temporary folder and removed on {@link #close()}.
 */
final class ContextWarFiles implements WarFiles {

  private static final Logger LOG = LoggerFactory.getLogger(ContextWarFiles.class);

  private final ServletContext context;
  private final List<Path> copies = new ArrayList<>();

  ContextWarFiles(ServletContext context) {
    this.context = context;
  }

  @Override
  public InputStream open(String path) throws IOException {
    if (path.startsWith(WebAppConfig.WEB_INF)) {
      return context.getResourceAsStream(path);
    }
    Path file = Path.of(path);
    return Files.isRegularFile(file) ? Files.newInputStream(file) : null;
  }

  @Override
  public boolean isFolder(String warPath) {
    Set<String> children = context.getResourcePaths(asFolder(warPath));
    return children != null;
  }

  @Override
  public Path folder(String warPath) {
    String real = context.getRealPath(warPath);
    if (real != null && Files.isDirectory(Path.of(real))) {
      return Path.of(real);
    }
    Path target = copyRoot().resolve(relative(warPath));
    copyFolder(asFolder(warPath), target);
    LOG.info("Copied {} out of the unexpanded web application to {}", warPath, target);
    return target;
  }

  @Override
  public Path file(String warPath) {
    String real = context.getRealPath(warPath);
    if (real != null && Files.isRegularFile(Path.of(real))) {
      return Path.of(real);
    }
    Path target = copyRoot().resolve(relative(warPath));
    try {
      return copyFile(warPath, target) ? target : null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + warPath + " out of the web application", e);
    }
  }

  private Path copyRoot() {
    try {
      Object tmp = context.getAttribute(ServletContext.TEMPDIR);
      Path base = tmp instanceof File f ? f.toPath() : Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(base);
      Path root = Files.createTempDirectory(base, "servingkit-war-");
      copies.add(root);
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a folder for files copied out of the web application", e);
    }
  }

  private void copyFolder(String warFolder, Path target) {
    Set<String> children = context.getResourcePaths(warFolder);
    try {
      Files.createDirectories(target);
      if (children == null) {
        return;
      }
      for (String child : children) {
        String name = child.substring(warFolder.length());
        if (name.endsWith("/")) {
          copyFolder(child, target.resolve(name.substring(0, name.length() - 1)));
        } else {
          copyFile(child, target.resolve(name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + warFolder + " out of the web application", e);
    }
  }

  private boolean copyFile(String warPath, Path target) throws IOException {
    try (InputStream in = context.getResourceAsStream(warPath)) {
      if (in == null) {
        return false;
      }
      Files.createDirectories(target.getParent());
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      return true;
    }
  }

  private static String asFolder(String warPath) {
    return warPath.endsWith("/") ? warPath : warPath + "/";
  }

  private static String relative(String warPath) {
    String p = warPath;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.contains("..")) {
      throw new IllegalArgumentException("web-application path must not contain '..': " + warPath);
    }
    return p;
  }

  @Override
  public void close() {
    for (Path root : copies) {
      try (Stream<Path> paths = Files.walk(root)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        LOG.debug("Could not remove {}", root, e);
      }
    }
    copies.clear();
  }
}
