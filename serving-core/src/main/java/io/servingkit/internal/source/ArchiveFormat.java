package io.servingkit.internal.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** The archive formats a model may come in, recognised by file name or, failing that, by content. */
enum ArchiveFormat {
  /** {@code .zip} and {@code .mar} (a TorchServe model archive is a zip). */
  ZIP(".zip", ".mar"),
  /** {@code .tar.gz}, {@code .tgz}, and {@code .gz}: a gzipped tar, or a single gzipped file. */
  GZIP(".tar.gz", ".tgz", ".gz"),
  /** {@code .tar}. */
  TAR(".tar");

  private final String[] suffixes;

  ArchiveFormat(String... suffixes) {
    this.suffixes = suffixes;
  }

  /** The format a file name announces, if any. */
  static Optional<ArchiveFormat> fromFileName(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    for (ArchiveFormat format : values()) {
      for (String suffix : format.suffixes) {
        if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
          return Optional.of(format);
        }
      }
    }
    return Optional.empty();
  }

  /** The file name without its archive suffix ({@code bert-base.tar.gz} gives {@code bert-base}). */
  static String stripSuffix(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    for (ArchiveFormat format : values()) {
      for (String suffix : format.suffixes) {
        if (lower.endsWith(suffix) && lower.length() > suffix.length()) {
          return fileName.substring(0, fileName.length() - suffix.length());
        }
      }
    }
    return fileName;
  }

  /** The format of a file judged by its first bytes (zip, gzip or ustar magic), if recognised. */
  static Optional<ArchiveFormat> sniff(Path file) throws IOException {
    byte[] head = new byte[512];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K';
    if (zip && ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))) {
      return Optional.of(ZIP);
    }
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Optional.of(GZIP);
    }
    if (n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
      return Optional.of(TAR);
    }
    return Optional.empty();
  }
}
