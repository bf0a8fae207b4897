package io.servingkit.spi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A private folder (owner-only permissions) for the Unix domain sockets of a model's worker processes, whose paths
 * always fit the system's limit of {@value #MAX_PATH} bytes. The preferred folder (inside the server's work folder)
 * is used when a socket name of up to {@value #MAX_NAME} bytes fits in it; a longer work path — a web application in
 * a container whose temporary folder is deep — gets a fresh folder in {@code /tmp} instead (or in the system
 * temporary folder when {@code /tmp} is missing), removed by {@link #close()}.
 *
 * <p>Threading: immutable after creation; {@link #close()} is idempotent.
 */
public final class SocketFolder implements AutoCloseable {

  /** The longest Unix socket path Linux accepts, in bytes. */
  public static final int MAX_PATH = 107;

  /** The longest socket name (after the folder and its separator) callers may use, in bytes. */
  public static final int MAX_NAME = 40;

  private final Path path;
  private final boolean owned;

  private SocketFolder(Path path, boolean owned) {
    this.path = path;
    this.owned = owned;
  }

  /**
   * Opens {@code preferred} (created when missing), or a short private folder when socket paths in it could be too
   * long.
   *
   * @throws UncheckedIOException when no folder can be created
   */
  public static SocketFolder open(Path preferred) {
    Objects.requireNonNull(preferred, "preferred");
    Path folder = preferred.toAbsolutePath();
    try {
      if (fits(folder)) {
        return new SocketFolder(createPrivate(folder), false);
      }
      Path tmp = Path.of("/tmp");
      Path root = Files.isDirectory(tmp) && Files.isWritable(tmp) ? tmp : Path.of(System.getProperty("java.io.tmpdir"));
      Path shortFolder;
      try {
        shortFolder =
            Files.createTempDirectory(
                root, "sk-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        shortFolder = Files.createTempDirectory(root, "sk-");
      }
      if (!fits(shortFolder)) {
        Files.deleteIfExists(shortFolder);
        throw new IOException("even " + shortFolder + " leaves no room for a socket name within " + MAX_PATH + " bytes");
      }
      return new SocketFolder(shortFolder, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a socket folder for " + folder + ": " + e.getMessage(), e);
    }
  }

  /** The folder; a socket name of up to {@link #MAX_NAME} bytes fits in it. */
  public Path path() {
    return path;
  }

  /** Whether this folder was made outside the preferred one (and is removed by {@link #close()}). */
  public boolean isShortFallback() {
    return owned;
  }

  /** Removes the folder when it was made outside the preferred one; the preferred folder is left to its owner. */
  @Override
  public void close() {
    if (!owned) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // a socket folder left in /tmp is harmless; the system cleans it
    }
  }

  private static boolean fits(Path folder) {
    return folder.toString().getBytes(StandardCharsets.UTF_8).length + 1 + MAX_NAME <= MAX_PATH;
  }

  private static Path createPrivate(Path folder) throws IOException {
    Files.createDirectories(folder.getParent());
    try {
      Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      // made by another model of this server
    } catch (UnsupportedOperationException e) {
      Files.createDirectories(folder);
    }
    return folder;
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
