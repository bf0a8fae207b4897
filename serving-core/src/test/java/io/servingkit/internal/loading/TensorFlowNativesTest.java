package io.servingkit.internal.loading;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.util.Platform;
import ai.djl.util.Utils;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacking tensorflow-core-native into the folder DJL's TensorFlow engine reads. */
class TensorFlowNativesTest {

  @Test
  void installsTheLibrariesWhereDjlLooksForThem() throws Exception {
    Path dir = TensorFlowNatives.install(getClass().getClassLoader());

    Platform platform = Platform.detectPlatform("tensorflow");
    assertThat(dir)
        .isEqualTo(
            Utils.getEngineCacheDir("tensorflow")
                .resolve(platform.getVersion() + "-" + platform.getFlavor() + "-" + platform.getClassifier()));
    assertThat(dir.resolve(System.mapLibraryName("jnitensorflow"))).isRegularFile();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .contains("libtensorflow_framework.so.2", "libtensorflow_cc.so.2");
    }
    assertThat(TensorFlowNatives.install(getClass().getClassLoader())).as("a second call finds them").isEqualTo(dir);
  }

  @Test
  void concurrentFirstInstallsIntoAnEmptyCacheCopyOnce(@TempDir Path cache) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Callable<Path> install =
          () -> {
            start.await();
            return TensorFlowNatives.install(getClass().getClassLoader(), cache);
          };
      Future<Path> first = pool.submit(install);
      Future<Path> second = pool.submit(install);
      start.countDown();
      Path dir = first.get(120, TimeUnit.SECONDS);

      assertThat(second.get(120, TimeUnit.SECONDS)).isEqualTo(dir);
      assertThat(dir.getParent()).isEqualTo(cache);
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("libjnitensorflow.so", "libtensorflow_framework.so.2", "libtensorflow_cc.so.2");
      }
      assertThat(Files.size(dir.resolve("libtensorflow_cc.so.2"))).isGreaterThan(100_000_000L);
      try (var files = Files.list(cache)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .as("no temporary folder left")
            .containsExactlyInAnyOrder(dir.getFileName().toString(), ".servingkit-unpack.lock");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withoutTheNativeJarItDoesNothing() throws Exception {
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      assertThat(TensorFlowNatives.install(empty)).isNull();
    }
  }

  @Test
  void mapsDjlClassifiersToJavacppFolders() {
    assertThat(TensorFlowNatives.javacppPlatform("linux-x86_64")).isEqualTo("linux-x86_64");
    assertThat(TensorFlowNatives.javacppPlatform("linux-aarch64")).isEqualTo("linux-arm64");
    assertThat(TensorFlowNatives.javacppPlatform("osx-aarch64")).isEqualTo("macosx-arm64");
    assertThat(TensorFlowNatives.javacppPlatform("osx-x86_64")).isEqualTo("macosx-x86_64");
    assertThat(TensorFlowNatives.javacppPlatform("win-x86_64")).isEqualTo("windows-x86_64");
  }
}
