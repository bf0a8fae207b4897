package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.servingkit.testing.ForkedJvm;
import io.servingkit.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL's tokenizer library comes out of the {@code ai.djl.huggingface:tokenizers} jar, never from the network: a
 * fresh JVM with an empty DJL cache, {@code ai.djl.offline=true} and every Java HTTP connection sent to a closed
 * port tokenizes a text, and the library it unpacked is byte for byte the jar's.
 */
class TokenizerNativesOfflineTest {

  private static final String JAR_ENTRY = "native/lib/linux-x86_64/cpu/libtokenizers.so";

  @TempDir Path temp;

  @Test
  void anEmptyCacheIsFilledFromTheJarWithoutNetwork() throws Exception {
    Path cache = temp.resolve("djl-cache");
    String output =
        ForkedJvm.run(
            temp.resolve("probe.log"),
            List.of(
                "-DDJL_CACHE_DIR=" + cache,
                "-Dai.djl.offline=true",
                "-Dhttp.proxyHost=127.0.0.1",
                "-Dhttp.proxyPort=9",
                "-Dhttps.proxyHost=127.0.0.1",
                "-Dhttps.proxyPort=9"),
            Probe.class,
            TestModels.dir("bert-qa").resolve("tokenizer.json").toString());
    assertThat(output).contains("ids=[2, 10, 15, 18, 33, 3]");

    List<Path> unpacked;
    try (Stream<Path> files = Files.walk(cache)) {
      unpacked = files.filter(p -> p.getFileName().toString().equals("libtokenizers.so")).collect(Collectors.toList());
    }
    assertThat(unpacked).hasSize(1);
    assertThat(unpacked.get(0).toString()).contains("tokenizers");
    try (InputStream inJar = HuggingFaceTokenizer.class.getClassLoader().getResourceAsStream(JAR_ENTRY)) {
      assertThat(inJar).as(JAR_ENTRY + " in the tokenizers jar").isNotNull();
      assertThat(Arrays.equals(Files.readAllBytes(unpacked.get(0)), inJar.readAllBytes())).as("same bytes as the jar's").isTrue();
    }
  }

  /** Runs in the forked JVM: tokenizes "How is the weather" with the given tokenizer.json. */
  public static final class Probe {
    private Probe() {}

    public static void main(String[] args) throws IOException {
      try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(Path.of(args[0]))) {
        long[] ids = tokenizer.encode("How is the weather").getIds();
        System.out.println("ids=" + Arrays.toString(ids));
      }
      System.out.flush();
    }
  }
}
