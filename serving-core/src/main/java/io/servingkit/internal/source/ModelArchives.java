package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Resolves model URLs to local model folders.
 *
 * <p>{@code file:} URLs and plain paths name a folder or an archive; {@code http(s):} URLs are downloaded (within
 * a time and size limit); {@code jar:} and {@code classpath:} URLs name a jar entry or class path resource.
 * Archives ({@code .zip}, {@code .mar}, {@code .tar.gz}, {@code .tgz}, {@code .tar}, {@code .gz}; else recognised
 * by content) are extracted once into the cache folder, keyed by content. Then, while a folder holds exactly one
 * visible entry and that entry is a folder, the model is that folder; when it is a {@code .zip}, the zip is
 * extracted and the same rule applies to the result. Hidden entries (names starting with {@code .}) and
 * {@code __MACOSX} do not count.
 *
 * <p>Threading: safe for concurrent use.
 */
public final class ModelArchives {
  static final String SUPPORTED = "(.zip, .mar, .tar.gz, .tgz, .tar, .gz)";

  private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.\\-]+):(.*)", Pattern.DOTALL);
  private static final int MAX_DESCENT = 16;

  private final ExtractionCache cache;
  private final ModelDownloader downloader;
  private final JarModels jars;

  /**
   * @param cacheDir where archives are extracted and downloads are staged; created when missing
   * @param downloadTimeout the limit for one whole download
   * @param maxDownloadBytes the largest download accepted
   */
  public ModelArchives(Path cacheDir, Duration downloadTimeout, long maxDownloadBytes) {
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(downloadTimeout, "downloadTimeout");
    if (downloadTimeout.isNegative() || downloadTimeout.isZero()) {
      throw new IllegalArgumentException("downloadTimeout must be positive, got " + downloadTimeout);
    }
    if (maxDownloadBytes <= 0) {
      throw new IllegalArgumentException("maxDownloadBytes must be positive, got " + maxDownloadBytes);
    }
    this.cache = new ExtractionCache(cacheDir);
    this.downloader = new ModelDownloader(downloadTimeout, maxDownloadBytes);
    this.jars = new JarModels(cache);
  }

  /**
   * Returns the local model folder for a URL: a {@code file:} folder itself (after descent), else the folder the
   * archive was extracted to in the cache.
   *
   * @throws ModelLoadException naming the URL, path or archive entry when the model cannot be resolved
   */
  public Path resolve(String url) {
    if (url == null || url.isBlank()) {
      throw new ModelLoadException("model URL is empty");
    }
    String u = url.strip();
    Matcher m = SCHEME.matcher(u);
    if (!m.matches()) {
      return resolveLocal(toPath(u, u), u);
    }
    switch (m.group(1).toLowerCase(Locale.ROOT)) {
      case "file":
        return resolveLocal(filePath(u), u);
      case "http":
      case "https":
        return download(u);
      case "jar":
      case "classpath":
        return resolveLocal(jars.locate(u, u), u);
      default:
        throw new ModelLoadException(
            u + ": unsupported URL scheme '" + m.group(1) + "' (supported: file, http, https, jar, classpath)");
    }
  }

  private Path resolveLocal(Path path, String label) {
    if (Files.isDirectory(path)) {
      return descend(path, label);
    }
    if (!Files.exists(path)) {
      // DJL Serving answers a missing model with 404 and this message
      throw new ModelNotFoundException("Invalid model url: " + label);
    }
    String fileName = path.getFileName().toString();
    Optional<ArchiveFormat> format = ArchiveFormat.fromFileName(fileName);
    if (format.isEmpty()) {
      format = sniff(path, label);
    }
    if (format.isEmpty()) {
      throw new ModelLoadException(
          label + ": " + path + " is neither a model folder nor a supported archive " + SUPPORTED);
    }
    return descend(cache.extract(path, format.get(), ArchiveFormat.stripSuffix(fileName), label), label);
  }

  private Path download(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ModelLoadException(url + ": malformed URL: " + e.getMessage(), e);
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String fileName = path.substring(path.lastIndexOf('/') + 1);
    Path temp;
    try {
      Files.createDirectories(cache.dir());
      temp = Files.createTempFile(cache.dir(), ".download-", ".part");
    } catch (IOException e) {
      throw new ModelLoadException("download of " + url + " failed: cannot write to " + cache.dir() + ": " + e, e);
    }
    try {
      downloader.download(uri, temp, url);
      Optional<ArchiveFormat> format = ArchiveFormat.fromFileName(fileName);
      if (format.isEmpty()) {
        format = sniff(temp, url);
      }
      if (format.isEmpty()) {
        throw new ModelLoadException("download of " + url + " is not a supported archive " + SUPPORTED);
      }
      return descend(cache.extract(temp, format.get(), ArchiveFormat.stripSuffix(fileName), url), url);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        // a leftover .part file in the cache is harmless
      }
    }
  }

  /** Follows single visible sub-folders and extracts a lone inner zip, as many levels as there are. */
  private Path descend(Path dir, String label) {
    Path current = dir;
    for (int level = 0; level < MAX_DESCENT; level++) {
      List<Path> visible;
      try (Stream<Path> entries = Files.list(current)) {
        visible =
            entries
                .filter(p -> !ModelStore.isIgnored(p.getFileName().toString()))
                .collect(Collectors.toList());
      } catch (IOException e) {
        throw new ModelLoadException(label + ": cannot list model folder " + current + ": " + e, e);
      }
      if (visible.size() != 1) {
        return current;
      }
      Path only = visible.get(0);
      String name = only.getFileName().toString();
      if (Files.isDirectory(only)) {
        current = only;
      } else if (Files.isRegularFile(only) && name.toLowerCase(Locale.ROOT).endsWith(".zip")) {
        String inner = label + " (inner " + name + ")";
        current = cache.extract(only, ArchiveFormat.ZIP, ArchiveFormat.stripSuffix(name), inner);
      } else {
        return current;
      }
    }
    throw new ModelLoadException(
        label + ": more than " + MAX_DESCENT + " levels of single nested folders or archives under " + dir);
  }

  private static Optional<ArchiveFormat> sniff(Path file, String label) {
    try {
      return ArchiveFormat.sniff(file);
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot read " + file + ": " + e, e);
    }
  }

  /** The path of {@code file:/a}, {@code file:///a}, {@code file://localhost/a} or {@code file:a}. */
  private static Path filePath(String url) {
    try {
      URI uri = new URI(url);
      if (!uri.isOpaque() && uri.getAuthority() == null) {
        return Path.of(uri);
      }
    } catch (URISyntaxException | IllegalArgumentException e) {
      // not a well-formed URI (spaces and the like): take the text after the scheme as it is
    }
    String rest = url.substring("file:".length());
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      String host = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
      if (!host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
        throw new ModelLoadException(url + ": file URLs with a host (" + host + ") are not supported");
      }
      rest = slash < 0 ? "/" : rest.substring(slash);
    }
    return toPath(JarModels.percentDecode(rest), url);
  }

  private static Path toPath(String path, String label) {
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw new ModelLoadException(label + ": not a valid path: " + e.getMessage(), e);
    }
  }
}
