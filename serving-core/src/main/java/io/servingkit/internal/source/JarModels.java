package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds models inside jars and on the class path.
 *
 * <ul>
 *   <li>{@code jar:file:/app.jar!/models/resnet.zip}: an archive entry, extracted through the cache;
 *   <li>{@code jar:file:/app.jar!/models/resnet/}: a folder of entries, extracted through the cache;
 *   <li>{@code jar:///models/resnet.zip} (no {@code !/}) or {@code classpath:models/resnet.zip}: a class path
 *       resource, looked up with the thread's context class loader (else this library's), then handled as a
 *       {@code file:} path or a jar entry.
 * </ul>
 *
 * <p>Threading: safe for concurrent use; holds no mutable state.
 */
final class JarModels {
  private final ExtractionCache cache;

  JarModels(ExtractionCache cache) {
    this.cache = cache;
  }

  /**
   * Returns a local path for the model: an extracted folder for a jar entry, or the file or folder a class path
   * resource lives in. The caller still descends into it or extracts it.
   */
  Path locate(String url, String label) {
    int bang = url.indexOf("!/");
    if (url.regionMatches(true, 0, "jar:", 0, 4) && bang >= 0) {
      return jarEntry(url, bang, label);
    }
    String resource = url.substring(url.indexOf(':') + 1);
    while (resource.startsWith("/")) {
      resource = resource.substring(1);
    }
    return classpath(resource, label);
  }

  private Path classpath(String resource, String label) {
    if (resource.isEmpty()) {
      throw new ModelLoadException(label + ": no class path resource named");
    }
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = JarModels.class.getClassLoader();
    }
    URL found = loader.getResource(resource);
    if (found == null && !resource.endsWith("/")) {
      found = loader.getResource(resource + "/");
    }
    if (found == null) {
      throw new ModelLoadException(label + ": class path resource " + resource + " not found");
    }
    String protocol = found.getProtocol();
    if (protocol.equals("file")) {
      try {
        return Path.of(found.toURI());
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new ModelLoadException(label + ": cannot use class path resource " + found + ": " + e.getMessage(), e);
      }
    }
    String external = found.toExternalForm();
    int bang = external.indexOf("!/");
    if (protocol.equals("jar") && bang >= 0) {
      return jarEntry(external, bang, label);
    }
    throw new ModelLoadException(label + ": class path resource " + found + " is neither a file nor a jar entry");
  }

  private Path jarEntry(String url, int bang, String label) {
    String jarUrl = url.substring(4, bang);
    String entry = percentDecode(url.substring(bang + 2));
    if (entry.contains("!/")) {
      throw new ModelLoadException(label + ": jars nested in jars are not supported");
    }
    Path jar;
    try {
      jar = Path.of(new URL(jarUrl).toURI());
    } catch (IOException | URISyntaxException | IllegalArgumentException e) {
      throw new ModelLoadException(label + ": only jars on the local file system are supported, not " + jarUrl, e);
    }
    if (!Files.isRegularFile(jar)) {
      throw new ModelLoadException(label + ": jar " + jar + " does not exist");
    }
    String folder = entry.endsWith("/") ? entry.substring(0, entry.length() - 1) : entry;
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry file = folder.isEmpty() ? null : zip.getEntry(folder);
      if (file != null && !file.isDirectory()) {
        return archiveEntry(zip, file, label);
      }
      String prefix = folder.isEmpty() ? "" : folder + "/";
      List<ZipEntry> entries = entriesUnder(zip, prefix);
      if (entries.isEmpty()) {
        throw new ModelLoadException(label + ": entry " + entry + " not found in jar " + jar);
      }
      String key = hashEntries(zip, prefix, entries);
      String name = folder.isEmpty() ? ArchiveFormat.stripSuffix(jar.getFileName().toString()) : lastSegment(folder);
      return cache.getOrCreate(
          key,
          name,
          staging -> {
            ExtractionTarget out = new ExtractionTarget(staging, label);
            ArchiveExtractor.extractZip(zip, prefix, out);
            out.finish();
          },
          label);
    } catch (IOException e) {
      throw new ModelLoadException(label + ": cannot read jar " + jar + ": " + e, e);
    }
  }

  private Path archiveEntry(ZipFile zip, ZipEntry entry, String label) throws IOException {
    String fileName = lastSegment(entry.getName());
    Files.createDirectories(cache.dir());
    Path temp = Files.createTempFile(cache.dir(), ".jar-entry-", ".part");
    try {
      try (InputStream in = zip.getInputStream(entry)) {
        Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      }
      Optional<ArchiveFormat> format = ArchiveFormat.fromFileName(fileName);
      if (format.isEmpty()) {
        format = ArchiveFormat.sniff(temp);
      }
      if (format.isEmpty()) {
        throw new ModelLoadException(
            label + ": jar entry " + entry.getName() + " is neither a folder nor a supported archive "
                + ModelArchives.SUPPORTED);
      }
      return cache.extract(temp, format.get(), ArchiveFormat.stripSuffix(fileName), label);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static List<ZipEntry> entriesUnder(ZipFile zip, String prefix) {
    List<ZipEntry> found = new ArrayList<>();
    Enumeration<? extends ZipEntry> all = zip.entries();
    while (all.hasMoreElements()) {
      ZipEntry e = all.nextElement();
      if (e.getName().startsWith(prefix) && e.getName().length() > prefix.length()) {
        found.add(e);
      }
    }
    return found;
  }

  /** SHA-256 over the names and contents of the entries, in name order. */
  private static String hashEntries(ZipFile zip, String prefix, List<ZipEntry> entries) throws IOException {
    MessageDigest digest = ExtractionCache.newDigest();
    List<ZipEntry> sorted = new ArrayList<>(entries);
    sorted.sort((a, b) -> a.getName().compareTo(b.getName()));
    for (ZipEntry e : sorted) {
      digest.update(e.getName().substring(prefix.length()).getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      if (!e.isDirectory()) {
        try (InputStream in = zip.getInputStream(e)) {
          ExtractionCache.update(digest, in);
        }
      }
      digest.update((byte) 0);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String lastSegment(String path) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return p.substring(p.lastIndexOf('/') + 1);
  }

  /** Decodes {@code %XX} escapes (as UTF-8) and leaves every other character as it is. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
      int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
      if (s.charAt(i) == '%' && hi >= 0 && lo >= 0) {
        bytes.write(hi * 16 + lo);
        i += 3;
      } else {
        int cp = s.codePointAt(i);
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
        i += Character.charCount(cp);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
