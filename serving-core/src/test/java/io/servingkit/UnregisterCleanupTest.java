package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unregistering frees what a model extracted and wrote; an extraction two registrations share (the cache is keyed
 * by content) lives until the last of them is unregistered.
 */
@Timeout(60)
class UnregisterCleanupTest {

  @TempDir Path tmp;
  private final ScriptedModeProvider mode = new ScriptedModeProvider();

  @Test
  void theLastUnregisterRemovesTheSharedExtractionAndEachRemovesItsWorkFolder() throws Exception {
    Path zip = tmp.resolve("model.zip");
    Files.write(zip, zip("serving.properties", "engine=PyTorch\nscripted=true\n", "weights.bin", "w".repeat(100_000)));
    Path copy = Files.copy(zip, tmp.resolve("same-content.zip"));
    Path work = tmp.resolve("work");
    try (ModelServer server = ModelServer.builder().addModeProvider(mode).workDir(work).build()) {
      server.register(ModelSpec.parse("a=" + zip.toUri()));
      server.register(ModelSpec.parse("b=" + copy.toUri()));
      assertThat(weights(work)).hasSize(2); // one hash folder, one sub-folder per archive name
      Files.createDirectories(work.resolve("a").resolve("scratch"));
      assertThat(work.resolve("a")).isDirectory();

      server.unregister("a");
      assertThat(work.resolve("a")).doesNotExist();
      assertThat(weights(work)).hasSize(2);
      assertThat(server.predict("b", input("still")).join().getData().getAsString()).isEqualTo("still");

      server.unregister("b");
      assertThat(weights(work)).isEmpty();
      assertThat(work.resolve("b")).doesNotExist();

      server.register(ModelSpec.parse("a=" + zip.toUri())); // extracted again
      assertThat(weights(work)).hasSize(1);
      assertThat(server.predict("a", input("again")).join().getData().getAsString()).isEqualTo("again");
    }
  }

  @Test
  void aFailedLoadKeepsNothing() throws Exception {
    Path zip = tmp.resolve("broken.zip");
    Files.write(zip, zip("serving.properties", "engine=PyTorch\nscripted=true\nbatch_size=abc\n", "weights.bin", "w"));
    Path work = tmp.resolve("work");
    try (ModelServer server = ModelServer.builder().addModeProvider(mode).workDir(work).build()) {
      try {
        server.register(ModelSpec.parse("broken=" + zip.toUri()));
      } catch (InvalidSpecException expected) {
        assertThat(expected.getMessage()).contains("batch_size=abc");
      }
      assertThat(weights(work)).isEmpty();
      assertThat(server.list()).isEmpty();
    }
  }

  private static Input input(String text) {
    Input in = new Input();
    in.add("data", text);
    return in;
  }

  private static java.util.List<Path> weights(Path work) throws IOException {
    if (!Files.exists(work)) {
      return java.util.List.of();
    }
    try (Stream<Path> files = Files.walk(work)) {
      return files.filter(p -> p.getFileName().toString().equals("weights.bin")).toList();
    }
  }

  private static byte[] zip(String... namesAndContents) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        out.putNextEntry(new ZipEntry(namesAndContents[i]));
        out.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }
}
