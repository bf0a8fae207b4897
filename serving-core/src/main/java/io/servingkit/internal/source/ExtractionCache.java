package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of extracted archives keyed by content: {@code <cache>/<sha-256 of the content>/<name>/}.
 *
 * <p>An archive is extracted once. Extraction goes to a private temporary folder in the cache which is then
 * renamed into place atomically, so a reader sees either nothing or a complete folder. Within one cache object,
 * resolves of the same content wait for one another instead of extracting twice; other processes sharing the
 * folder cannot corrupt it either: the first rename wins and the others discard their copy.
 *
 * <p>Threading: safe for concurrent use.
 */
final class ExtractionCache {
  private static final Logger LOG = LoggerFactory.getLogger(ExtractionCache.class);
  private static final int MAX_NAME_LENGTH = 200;

  /** Fills a staging folder; may throw {@link ModelLoadException}. */
  interface Extraction {
    void into(Path staging) throws IOException;
  }

  private final Path cacheDir;
  private final ConcurrentHashMap<Path, ReentrantLock> locks = new ConcurrentHashMap<>();

  ExtractionCache(Path cacheDir) {
    this.cacheDir = cacheDir;
  }

  /** The cache folder. */
  Path dir() {
    return cacheDir;
  }

  /** Extracts an archive file once, keyed by its content; returns {@code <cache>/<hash>/<baseName>}. */
  Path extract(Path archive, ArchiveFormat format, String baseName, String label) {
    String key;
    try {
      key = sha256(archive);
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot read " + archive + ": " + e, e);
    }
    return getOrCreate(key, baseName, staging -> ArchiveExtractor.extract(archive, format, staging, label), label);
  }

  /** Returns {@code <cache>/<key>/<baseName>}, running {@code extraction} first unless it is already there. */
  Path getOrCreate(String key, String baseName, Extraction extraction, String label) {
    String name = safeName(baseName);
    Path done = cacheDir.resolve(key).resolve(name);
    if (Files.isDirectory(done)) {
      return done;
    }
    ReentrantLock lock = locks.computeIfAbsent(done, k -> new ReentrantLock());
    lock.lock();
    try {
      return Files.isDirectory(done) ? done : create(done, extraction, label);
    } finally {
      lock.unlock();
    }
  }

  private Path create(Path done, Extraction extraction, String label) {
    String name = done.getFileName().toString();
    Path temp = null;
    try {
      Files.createDirectories(cacheDir);
      temp = Files.createTempDirectory(cacheDir, ".extract-");
      Path staging = Files.createDirectory(temp.resolve(name));
      LOG.info("extracting {} into {}", label, done);
      extraction.into(staging);
      Files.createDirectories(done.getParent());
      try {
        Files.move(staging, done, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (!Files.isDirectory(done)) {
          throw e;
        }
        LOG.debug("{} was extracted concurrently; keeping the first copy", label);
      }
      return done;
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot extract into " + cacheDir + ": " + e, e);
    } finally {
      if (temp != null) {
        deleteTree(temp);
      }
    }
  }

  /** The hex SHA-256 of a file's content. */
  static String sha256(Path file) throws IOException {
    MessageDigest digest = newDigest();
    try (InputStream in = Files.newInputStream(file)) {
      update(digest, in);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  static void update(MessageDigest digest, InputStream in) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    int n;
    while ((n = in.read(buffer)) > 0) {
      digest.update(buffer, 0, n);
    }
  }

  /** A folder name safe to create: no separators, not empty, not {@code .} or {@code ..}, not too long. */
  static String safeName(String name) {
    String s = name == null ? "" : name.replace('/', '_').replace('\\', '_').replace('\0', '_').strip();
    if (s.isEmpty() || s.equals(".") || s.equals("..")) {
      return "model";
    }
    return s.length() > MAX_NAME_LENGTH ? s.substring(0, MAX_NAME_LENGTH) : s;
  }

  /** Deletes a folder tree, logging rather than failing when something cannot be deleted. */
  static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      LOG.warn("could not delete temporary folder {}: {}", dir, e.toString());
    }
  }
}
