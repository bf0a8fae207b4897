package io.servingkit.internal.source;

import static io.servingkit.internal.source.TestArchives.entries;
import static io.servingkit.internal.source.TestArchives.filesOutside;
import static io.servingkit.internal.source.TestArchives.list;
import static io.servingkit.internal.source.TestArchives.read;
import static io.servingkit.internal.source.TestArchives.zip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives crafted to write outside the extraction folder. Each must be refused with a message naming the archive
 * and the entry, leave nothing outside the cache folder, and leave no half-extracted folder inside it.
 */
class ModelArchivesSafetyTest {
  @TempDir Path tmp;
  private Path src;
  private Path cache;
  private Path outside;
  private ModelArchives archives;

  @BeforeEach
  void setUp() throws Exception {
    src = Files.createDirectories(tmp.resolve("src"));
    cache = tmp.resolve("cache");
    // a folder next to the cache that a successful attack would write into
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(tmp.resolve("secret.txt"), "top secret");
    archives = new ModelArchives(cache, Duration.ofSeconds(5), 1 << 20);
  }

  @AfterEach
  void nothingEscapedAndNothingHalfExtracted() {
    // extraction happens in cache/.extract-*/<name>/, so "../../../x" would land in tmp/x
    assertThat(filesOutside(tmp, src, cache)).containsExactly("secret.txt");
    assertThat(list(outside)).isEmpty();
    assertThat(list(cache)).isEmpty();
  }

  @Test
  void zipSlipIsRefused() throws Exception {
    Path zip = zip(src.resolve("slip.zip"),
        entries("serving.properties", "engine=PyTorch", "../../../evil.txt", "pwned"));

    assertThatThrownBy(() -> archives.resolve("file:" + zip))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage("file:" + zip + ": entry '../../../evil.txt' escapes the extraction folder (zip-slip); "
            + "refusing the archive");
  }

  @Test
  void zipSlipHiddenBehindAFolderIsRefused() throws Exception {
    Path zip = zip(src.resolve("slip2.zip"), entries("model/../../../../outside/evil.txt", "pwned"));

    assertThatThrownBy(() -> archives.resolve(zip.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("entry 'model/../../../../outside/evil.txt' escapes the extraction folder (zip-slip)");
  }

  @Test
  void zipSlipWithBackslashesIsRefused() throws Exception {
    Path zip = zip(src.resolve("slip3.zip"), entries("..\\..\\..\\evil.txt", "pwned"));

    assertThatThrownBy(() -> archives.resolve(zip.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("entry '..\\..\\..\\evil.txt' escapes the extraction folder (zip-slip)");
  }

  @Test
  void absoluteZipEntryIsRefused() throws Exception {
    String target = outside.resolve("abs-evil.txt").toString();
    Path zip = zip(src.resolve("abs.zip"), entries("model.pt", "w", target, "pwned"));

    assertThatThrownBy(() -> archives.resolve(zip.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(zip + ": entry '" + target + "' is an absolute path; refusing the archive");
  }

  @Test
  void tarSlipIsRefused() throws Exception {
    Path tgz = src.resolve("slip.tar.gz");
    try (TestArchives.Tar tar = new TestArchives.Tar(tgz, true)) {
      tar.file("model.pt", "w").file("../../../outside/evil.txt", "pwned");
    }

    assertThatThrownBy(() -> archives.resolve(tgz.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tgz + ": entry '../../../outside/evil.txt' escapes the extraction folder (zip-slip); "
            + "refusing the archive");
  }

  @Test
  void absoluteTarEntryIsRefused() throws Exception {
    String target = outside.resolve("abs-evil.txt").toString();
    Path tar = src.resolve("abs.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      t.file("model.pt", "w").absoluteFile(target, "pwned");
    }

    assertThatThrownBy(() -> archives.resolve(tar.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tar + ": entry '" + target + "' is an absolute path; refusing the archive");
  }

  @Test
  void tarSymlinkEscapingIsRefusedBeforeAnythingIsWrittenThroughIt() throws Exception {
    Path tgz = src.resolve("symlink.tgz");
    try (TestArchives.Tar tar = new TestArchives.Tar(tgz, true)) {
      // the classic two-step attack: a link out of the folder, then a file written through it
      tar.file("model.pt", "w").symlink("weights", "../../../outside").file("weights/evil.txt", "pwned");
    }

    assertThatThrownBy(() -> archives.resolve(tgz.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tgz + ": symbolic link entry 'weights' -> '../../../outside' points outside the extraction "
            + "folder; refusing the archive");
  }

  @Test
  void absoluteTarSymlinkIsRefused() throws Exception {
    Path tar = src.resolve("abs-link.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      t.symlink("passwd", "/etc/passwd");
    }

    assertThatThrownBy(() -> archives.resolve(tar.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tar + ": symbolic link entry 'passwd' -> '/etc/passwd' points outside the extraction folder "
            + "(absolute target); refusing the archive");
  }

  @Test
  void symlinkEscapingThroughAnotherLinkIsRefused() throws Exception {
    Path tar = src.resolve("chain.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      // "here" stays inside, but "here/../x" then climbs out of the root
      t.file("model.pt", "w").symlink("here", ".").symlink("escape", "here/../secret.txt");
    }

    assertThatThrownBy(() -> archives.resolve(tar.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("symbolic link entry 'escape' -> 'here/../secret.txt' points outside the extraction "
            + "folder");
  }

  @Test
  void tarHardlinkEscapingIsRefused() throws Exception {
    Path tgz = src.resolve("hardlink.tar.gz");
    try (TestArchives.Tar tar = new TestArchives.Tar(tgz, true)) {
      tar.file("model.pt", "w").hardlink("stolen.txt", "../../../secret.txt");
    }

    assertThatThrownBy(() -> archives.resolve(tgz.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tgz + ": hard link entry 'stolen.txt' -> '../../../secret.txt' points outside the extraction "
            + "folder; refusing the archive");
  }

  @Test
  void absoluteTarHardlinkIsRefused() throws Exception {
    Path tar = src.resolve("abs-hardlink.tar");
    String target = tmp.resolve("secret.txt").toString();
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      t.hardlink("stolen.txt", target);
    }

    assertThatThrownBy(() -> archives.resolve(tar.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("hard link entry 'stolen.txt' -> '" + target + "' points outside the extraction folder");
  }

  @Test
  void linkCyclesAreRefused() throws Exception {
    Path pair = src.resolve("pair.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(pair, false)) {
      t.file("model.pt", "w").symlink("a", "b").symlink("b", "a");
    }
    Path self = src.resolve("self.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(self, false)) {
      t.file("model.pt", "w").symlink("a", "a/b");
    }
    Path parent = src.resolve("parent.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(parent, false)) {
      t.file("m/model.pt", "w").symlink("m/up", "..");
    }

    assertThatThrownBy(() -> archives.resolve(pair.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(pair + ": symbolic link entry 'a' -> 'b' is part of a link loop; refusing the archive");
    assertThatThrownBy(() -> archives.resolve(self.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(self + ": symbolic link entry 'a' -> 'a/b' is part of a link loop; refusing the archive");
    assertThatThrownBy(() -> archives.resolve(parent.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(parent + ": symbolic link entry 'm/up' -> '..' points to a folder that contains the link "
            + "itself; refusing the archive");
  }

  @Test
  void longLinkChainsInsideAreFollowed() throws Exception {
    Path tar = src.resolve("chain.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      t.file("model.pt", "w");
      String previous = "model.pt";
      for (int i = 0; i < 10; i++) {
        t.symlink("l" + i, previous);
        previous = "l" + i;
      }
    }

    Path dir = archives.resolve(tar.toString());

    assertThat(read(dir.resolve("l9"))).isEqualTo("w");
    ExtractionCache.deleteTree(cache);
  }

  @Test
  void danglingLinkIsRefused() throws Exception {
    Path tar = src.resolve("dangling.tar");
    try (TestArchives.Tar t = new TestArchives.Tar(tar, false)) {
      t.file("model.pt", "w").symlink("tokenizer.json", "missing/tokenizer.json");
    }

    assertThatThrownBy(() -> archives.resolve(tar.toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(tar + ": symbolic link entry 'tokenizer.json' -> 'missing/tokenizer.json' points to "
            + "'missing/tokenizer.json', which is not in the archive; refusing the archive");
  }

  /** Links that stay inside are honoured, as plain copies: the extracted folder holds no link at all. */
  @Test
  void linksInsideTheArchiveBecomePlainFiles() throws Exception {
    Path tgz = src.resolve("hf.tgz");
    try (TestArchives.Tar tar = new TestArchives.Tar(tgz, true)) {
      tar.dir("blobs").file("blobs/abc123", "weights")
          .dir("snapshots/main")
          .symlink("snapshots/main/model.pt", "../../blobs/abc123")
          .hardlink("copy.pt", "blobs/abc123")
          .symlink("current", "snapshots/main")
          .file("current/extra.txt", "written through an inside link");
    }

    Path dir = archives.resolve(tgz.toString());

    assertThat(read(dir.resolve("snapshots/main/model.pt"))).isEqualTo("weights");
    assertThat(read(dir.resolve("copy.pt"))).isEqualTo("weights");
    assertThat(read(dir.resolve("current/model.pt"))).isEqualTo("weights");
    assertThat(read(dir.resolve("snapshots/main/extra.txt"))).isEqualTo("written through an inside link");
    assertThat(read(dir.resolve("current/extra.txt"))).isEqualTo("written through an inside link");
    try (var walk = Files.walk(dir)) {
      assertThat(walk.filter(p -> Files.isSymbolicLink(p))).isEmpty();
    }
    assertThat(Files.isDirectory(dir.resolve("current"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    // this one succeeded: let the shared check see an untouched cache
    ExtractionCache.deleteTree(cache);
  }
}
