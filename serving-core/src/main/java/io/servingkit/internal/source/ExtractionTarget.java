package io.servingkit.internal.source;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The folder one archive is extracted into, guarding every write.
 *
 * <p>Entry names are normalised ({@code \} counts as {@code /}); a name that is absolute or climbs above the
 * folder with {@code ..} is refused. Links are never created on disk: symbolic and hard links are recorded while
 * the archive is read and, in {@link #finish()}, replaced by a copy (or a hard link) of the file or folder they
 * point to inside the archive. A link that points outside the folder, is absolute, loops or points to nothing is
 * refused. Since the extracted tree never holds a symbolic link, no later write or reader can be led out of it.
 *
 * <p>Threading: confined to the thread doing one extraction.
 */
final class ExtractionTarget {
  private static final int MAX_LINK_DEPTH = 40;
  private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");

  private final Path root;
  private final String label;
  private final Map<String, Link> links = new LinkedHashMap<>();

  private static final class Link {
    final String name;
    final String text;
    final boolean hard;

    Link(String name, String text, boolean hard) {
      this.name = name;
      this.text = text;
      this.hard = hard;
    }

    String describe() {
      return (hard ? "hard link entry '" : "symbolic link entry '") + name + "' -> '" + text + "'";
    }
  }

  /**
   * @param root an existing, empty folder
   * @param label what to name in error messages (the archive's URL or path)
   */
  ExtractionTarget(Path root, String label) {
    this.root = root;
    this.label = label;
  }

  /** Creates a folder entry. */
  void directory(String entryName) throws IOException {
    String name = entryPath(entryName);
    if (!name.isEmpty()) {
      Files.createDirectories(root.resolve(locate(name)));
    }
  }

  /** Writes a regular file entry from {@code content}, which is read to its end but not closed. */
  void file(String entryName, InputStream content) throws IOException {
    String name = entryPath(entryName);
    if (name.isEmpty()) {
      throw refuse("entry '" + entryName + "' names the extraction folder itself, not a file");
    }
    String location = locate(name);
    links.remove(location);
    Path path = root.resolve(location);
    Files.createDirectories(path.getParent());
    Files.copy(content, path, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Records a symbolic link entry; {@code linkText} is relative to the folder holding the link. */
  void symbolicLink(String entryName, String linkText) {
    addLink(new Link(entryPath(entryName), linkText, false));
  }

  /** Records a hard link entry; {@code linkTarget} is another entry's name, relative to the archive root. */
  void hardLink(String entryName, String linkTarget) {
    addLink(new Link(entryPath(entryName), linkTarget, true));
  }

  /** Replaces every recorded link by a copy of what it points to. Call once, after the last entry. */
  void finish() throws IOException {
    Set<String> done = new HashSet<>();
    for (Link link : new ArrayList<>(links.values())) {
      materialize(link, done, new HashSet<>());
    }
  }

  private void addLink(Link link) {
    if (link.name.isEmpty()) {
      throw refuse(link.describe() + " names the extraction folder itself");
    }
    target(link, new ArrayDeque<>()); // refuses a link escaping through what is known so far; finish() checks again
    links.put(locate(link.name), link);
  }

  private void materialize(Link link, Set<String> done, Set<String> visiting) throws IOException {
    String location = locate(link.name);
    if (done.contains(location)) {
      return;
    }
    if (!visiting.add(location)) {
      throw refuse(link.describe() + " is part of a link loop");
    }
    String target = target(link, new ArrayDeque<>());
    if (target.equals(location) || target.isEmpty() || location.startsWith(target + "/")) {
      throw refuse(link.describe() + " points to a folder that contains the link itself");
    }
    for (Link other : new ArrayList<>(links.values())) {
      if (other != link && locate(other.name).startsWith(target + "/")) {
        materialize(other, done, visiting);
      }
    }
    Path source = root.resolve(target);
    Path destination = root.resolve(location);
    if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
      throw refuse(link.describe() + " points to '" + target + "', which is not in the archive");
    }
    Files.createDirectories(destination.getParent());
    if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
      copyTree(source, destination);
    } else {
      linkOrCopy(source, destination);
    }
    done.add(location);
  }

  /** Where a link points, with every link on the way followed; never above the root (else refused). */
  private String target(Link link, Deque<Link> chain) {
    if (chain.contains(link)) {
      throw refuse(link.describe() + " is part of a link loop");
    }
    if (chain.size() >= MAX_LINK_DEPTH) {
      throw refuse(link.describe() + " goes through more than " + MAX_LINK_DEPTH + " links");
    }
    if (link.text == null || link.text.isEmpty()) {
      throw refuse(link.describe() + " has an empty target");
    }
    String text = link.text.replace('\\', '/');
    if (text.startsWith("/") || DRIVE.matcher(text).matches()) {
      throw refuse(link.describe() + " points outside the extraction folder (absolute target)");
    }
    String base = link.hard ? "" : parentOf(locate(link.name));
    chain.push(link);
    try {
      return walk(base, text, link.describe(), chain);
    } finally {
      chain.pop();
    }
  }

  /**
   * Walks {@code relative} from the folder {@code base}, following recorded links like a file system would;
   * {@code chain} holds the links being followed, to detect loops.
   */
  private String walk(String base, String relative, String what, Deque<Link> chain) {
    Deque<String> stack = new ArrayDeque<>();
    for (String part : base.split("/")) {
      if (!part.isEmpty()) {
        stack.addLast(part);
      }
    }
    for (String part : relative.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (stack.isEmpty()) {
          throw refuse(what + " points outside the extraction folder");
        }
        stack.removeLast();
        continue;
      }
      stack.addLast(part);
      Link next = links.get(String.join("/", stack));
      if (next != null) {
        String resolved = target(next, chain);
        stack.clear();
        for (String p : resolved.split("/")) {
          if (!p.isEmpty()) {
            stack.addLast(p);
          }
        }
      }
    }
    return String.join("/", stack);
  }

  /** The on-disk location of a normalised entry path: its parent folders followed through recorded links. */
  private String locate(String name) {
    int slash = name.lastIndexOf('/');
    if (slash < 0) {
      return name;
    }
    String resolvedParent = walk("", name.substring(0, slash), "entry '" + name + "'", new ArrayDeque<>());
    return resolvedParent.isEmpty() ? name.substring(slash + 1) : resolvedParent + "/" + name.substring(slash + 1);
  }

  /** Normalises an entry name; refuses absolute names and names climbing out of the root. */
  private String entryPath(String entryName) {
    if (entryName == null) {
      throw refuse("an entry has no name");
    }
    String name = entryName.replace('\\', '/');
    if (name.startsWith("/") || DRIVE.matcher(name).matches()) {
      throw refuse("entry '" + entryName + "' is an absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw refuse("entry '" + entryName + "' escapes the extraction folder (zip-slip)");
        }
        parts.remove(parts.size() - 1);
      } else if (part.indexOf('\0') >= 0) {
        throw refuse("entry '" + entryName.replace('\0', '?') + "' contains a NUL character");
      } else {
        parts.add(part);
      }
    }
    return String.join("/", parts);
  }

  private ModelLoadException refuse(String what) {
    return new ModelLoadException(label + ": " + what + "; refusing the archive");
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  private static void linkOrCopy(Path source, Path destination) throws IOException {
    Files.deleteIfExists(destination);
    try {
      Files.createLink(destination, source);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(source, destination, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void copyTree(Path source, Path destination) throws IOException {
    Files.walkFileTree(
        source,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            Files.createDirectories(destination.resolve(source.relativize(dir)));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            linkOrCopy(file, destination.resolve(source.relativize(file)));
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
