package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts zip, tar and gzip archives into a folder through an {@link ExtractionTarget}, so that no entry is
 * written outside it. A gzip file that does not hold a tar is one gzipped file, written under the folder's name.
 *
 * <p>Threading: stateless.
 */
final class ArchiveExtractor {
  private static final int BUFFER = 64 * 1024;

  private ArchiveExtractor() {}

  /**
   * Extracts {@code archive} into the existing empty folder {@code target}.
   *
   * @param label what to name in error messages (the URL or path the archive came from)
   * @throws ModelLoadException when the archive is malformed or holds an entry that would escape {@code target}
   */
  static void extract(Path archive, ArchiveFormat format, Path target, String label) {
    ExtractionTarget out = new ExtractionTarget(target, label);
    try {
      switch (format) {
        case ZIP:
          try (ZipFile zip = new ZipFile(archive.toFile())) {
            extractZip(zip, "", out);
          }
          break;
        case TAR:
          try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), BUFFER)) {
            extractTar(in, out, label);
          }
          break;
        case GZIP:
          try (InputStream in =
              new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), BUFFER), BUFFER)) {
            in.mark(512);
            byte[] head = in.readNBytes(512);
            in.reset();
            if (TarArchiveInputStream.matches(head, head.length)) {
              extractTar(in, out, label);
            } else {
              out.file(target.getFileName().toString(), in);
            }
          }
          break;
        default:
          throw new IllegalStateException("unknown format " + format);
      }
      out.finish();
    } catch (ZipException e) {
      String kind = format.name().toLowerCase(Locale.ROOT);
      throw new ModelLoadException(label + ": not a valid " + kind + " archive: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot extract the archive: " + e, e);
    }
  }

  /**
   * Extracts the entries of {@code zip} whose names start with {@code prefix} (empty for all), without the
   * prefix, into {@code out}. The caller calls {@link ExtractionTarget#finish()}.
   */
  static void extractZip(ZipFile zip, String prefix, ExtractionTarget out) throws IOException {
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry entry = entries.nextElement();
      String name = entry.getName();
      if (!name.startsWith(prefix) || name.length() == prefix.length()) {
        continue;
      }
      String relative = name.substring(prefix.length());
      if (entry.isDirectory()) {
        out.directory(relative);
      } else {
        try (InputStream in = zip.getInputStream(entry)) {
          out.file(relative, in);
        }
      }
    }
  }

  private static void extractTar(InputStream in, ExtractionTarget out, String label) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      String name = entry.getName();
      if (entry.isSymbolicLink()) {
        out.symbolicLink(name, entry.getLinkName());
      } else if (entry.isLink()) {
        out.hardLink(name, entry.getLinkName());
      } else if (entry.isDirectory()) {
        out.directory(name);
      } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
        throw new ModelLoadException(
            label + ": entry '" + name + "' is a device or pipe, which a model archive may not hold; "
                + "refusing the archive");
      } else if (entry.isFile()) {
        out.file(name, tar);
      }
    }
  }
}
