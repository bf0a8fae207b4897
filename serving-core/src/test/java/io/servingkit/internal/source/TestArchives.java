package io.servingkit.internal.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds real zip and tar archives for tests, including malicious ones. */
final class TestArchives {
  private TestArchives() {}

  /**
   * Writes a zip of {@code entries}: name to content, a {@code String} (UTF-8) or a {@code byte[]}; a name ending in
   * {@code /} is a folder.
   */
  static Path zip(Path file, Map<String, Object> entries) throws IOException {
    Files.createDirectories(file.getParent());
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, Object> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        if (!e.getKey().endsWith("/")) {
          zip.write(bytes(e.getValue()));
        }
        zip.closeEntry();
      }
    }
    return file;
  }

  /** Zip bytes of {@code entries}. */
  static byte[] zipBytes(Map<String, Object> entries) throws IOException {
    Path file = Files.createTempFile("servingkit-test-", ".zip");
    try {
      zip(file, entries);
      return Files.readAllBytes(file);
    } finally {
      Files.delete(file);
    }
  }

  /** An ordered map from alternating names and contents ({@code String} or {@code byte[]}). */
  static Map<String, Object> entries(Object... nameThenContent) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < nameThenContent.length; i += 2) {
      map.put((String) nameThenContent[i], nameThenContent[i + 1]);
    }
    return map;
  }

  private static byte[] bytes(Object content) {
    return content instanceof byte[] ? (byte[]) content : content.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A tar (gzipped or not) built entry by entry. */
  static final class Tar implements AutoCloseable {
    private final TarArchiveOutputStream out;

    Tar(Path file, boolean gzip) throws IOException {
      Files.createDirectories(file.getParent());
      OutputStream raw = Files.newOutputStream(file);
      out = new TarArchiveOutputStream(gzip ? new GZIPOutputStream(raw) : raw);
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Tar file(String name, Object content) throws IOException {
      return file(new TarArchiveEntry(name), content);
    }

    /** A file entry whose name is kept absolute. */
    Tar absoluteFile(String name, String content) throws IOException {
      return file(new TarArchiveEntry(name, true), content);
    }

    private Tar file(TarArchiveEntry entry, Object content) throws IOException {
      byte[] bytes = bytes(content);
      entry.setSize(bytes.length);
      out.putArchiveEntry(entry);
      out.write(bytes);
      out.closeArchiveEntry();
      return this;
    }

    Tar dir(String name) throws IOException {
      out.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"));
      out.closeArchiveEntry();
      return this;
    }

    Tar symlink(String name, String target) throws IOException {
      return link(name, target, TarConstants.LF_SYMLINK);
    }

    Tar hardlink(String name, String target) throws IOException {
      return link(name, target, TarConstants.LF_LINK);
    }

    private Tar link(String name, String target, byte type) throws IOException {
      TarArchiveEntry entry = new TarArchiveEntry(name, type, true);
      entry.setLinkName(target);
      out.putArchiveEntry(entry);
      out.closeArchiveEntry();
      return this;
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  /** Every regular file under {@code root} whose path is not under one of {@code allowed}, relative to root. */
  static List<String> filesOutside(Path root, Path... allowed) {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> !Files.isDirectory(p))
          .filter(p -> Stream.of(allowed).noneMatch(p::startsWith))
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of the entries directly in {@code dir}, sorted; empty when it does not exist. */
  static List<String> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return new ArrayList<>();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
