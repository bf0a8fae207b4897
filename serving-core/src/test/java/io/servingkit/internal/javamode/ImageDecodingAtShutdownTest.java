package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import io.servingkit.ModelServer;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ForkedJvm;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images being decoded while the JVM shuts down still decode. A server that drains in a shutdown hook (the
 * standalone server on SIGTERM, Spring Boot's graceful shutdown) keeps answering meanwhile, but the JDK's own
 * shutdown hook closes every image stream ImageIO caches in a temporary file, and a prediction decoding its PNG at
 * that instant failed with 400 "Caught exception during read" (seen once in {@code FleetIT}'s rolling restart).
 * Loading a Java-mode model turns ImageIO's file cache off; request bodies are in memory anyway.
 */
class ImageDecodingAtShutdownTest {

  private static final Pattern REPORT = Pattern.compile("during shutdown: (\\d+) answered, (\\d+) failed(.*)");

  @TempDir Path temp;

  @Test
  void aJavaModeModelLeavesImageIoDecodingFromMemory() throws Exception {
    try (ModelServer server = ModelServer.builder().model("digits=" + TestModels.dir("digits-pt").toUri()).build()) {
      assertThat(server.predictAndWait("digits", ModelHarness.input(DigitImages.png(3))).getCode()).isEqualTo(200);

      assertThat(ImageIO.getUseCache()).as("ImageIO's file cache").isFalse();
      try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(DigitImages.png(3)))) {
        assertThat(in).isInstanceOf(MemoryCacheImageInputStream.class);
      }
    }
  }

  @Test
  void predictionsRunningWhenTheJvmShutsDownAllSucceed() throws Exception {
    Path model = TestModels.copy("digits-pt", temp, "digits");
    Files.writeString(model.resolve("serving.properties"), "minWorkers=4\nmaxWorkers=4\n", StandardOpenOption.APPEND);
    String output =
        ForkedJvm.run(temp.resolve("probe.log"), List.of("-Dai.djl.offline=true"), Probe.class, model.toUri().toString());
    Matcher report = REPORT.matcher(output);
    assertThat(report.find()).as(output).isTrue();
    assertThat(Long.parseLong(report.group(1))).as("predictions answered while the JVM shut down").isPositive();
    assertThat(Long.parseLong(report.group(2))).as("predictions failed while the JVM shut down" + report.group(3)).isZero();
  }

  /**
   * Runs in the forked JVM: eight threads send a 1024 × 1024 PNG (decoding it takes milliseconds, so some are always
   * being decoded) to the model folder given, which has four workers; once 50 have been answered the JVM exits, and a shutdown hook counts for half a second what the threads (daemons, still running)
   * get meanwhile, then prints {@code during shutdown: N answered, M failed [first failure]}.
   */
  public static final class Probe {
    private Probe() {}

    public static void main(String[] args) throws Exception {
      ModelServer server = ModelServer.builder().model("digits=" + args[0]).build();
      AtomicLong answered = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      byte[] png = noisePng(1024);
      for (int t = 0; t < 8; t++) {
        Thread thread =
            new Thread(
                () -> {
                  while (true) {
                    try {
                      Output out = server.predictAndWait("digits", ModelHarness.input(png));
                      if (out.getCode() == 200) {
                        answered.incrementAndGet();
                      } else {
                        failed.incrementAndGet();
                        failures.add(out.getCode() + " " + out.getAsString(0));
                      }
                    } catch (RuntimeException e) {
                      failed.incrementAndGet();
                      failures.add(e.toString());
                    }
                  }
                },
                "probe-" + t);
        thread.setDaemon(true);
        threads.add(thread);
      }
      threads.forEach(Thread::start);
      while (answered.get() < 50) {
        Thread.sleep(10);
      }
      long failedBefore = failed.get();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    long before = answered.get();
                    try {
                      Thread.sleep(500);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    System.out.println(
                        "during shutdown: " + (answered.get() - before) + " answered, "
                            + (failed.get() - failedBefore) + " failed "
                            + failures.stream().findFirst().orElse(""));
                    System.out.flush();
                  }));
      System.exit(0);
    }

    /** A grayscale PNG of random pixels, {@code size} pixels square: decoding it takes milliseconds. */
    private static byte[] noisePng(int size) throws IOException {
      BufferedImage image =
          new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
      Random random = new Random(42);
      byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
      random.nextBytes(pixels);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(image, "png", out);
      return out.toByteArray();
    }
  }
}
