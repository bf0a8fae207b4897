package io.servingkit.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link WarFiles} of an expanded web application in a folder, for tests of the configuration alone. */
final class FolderWarFiles implements WarFiles {
  private final Path root;

  FolderWarFiles(Path root) {
    this.root = root;
  }

  private Path local(String warPath) {
    return root.resolve(warPath.substring(1));
  }

  @Override
  public InputStream open(String path) throws IOException {
    Path p = path.startsWith(WebAppConfig.WEB_INF) ? local(path) : Path.of(path);
    return Files.isRegularFile(p) ? Files.newInputStream(p) : null;
  }

  @Override
  public boolean isFolder(String warPath) {
    return Files.isDirectory(local(warPath));
  }

  @Override
  public Path folder(String warPath) {
    return local(warPath);
  }

  @Override
  public Path file(String warPath) {
    Path p = local(warPath);
    return Files.isRegularFile(p) ? p : null;
  }

  @Override
  public void close() {}
}
