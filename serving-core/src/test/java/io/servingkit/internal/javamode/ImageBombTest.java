package io.servingkit.internal.javamode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Output;
import io.servingkit.BadInputException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelSpec;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid PNG of about 100 KB that decodes to 30000 × 30000 pixels is refused from its header, before DJL's image
 * translator decodes it; the worker then still classifies a real digit.
 */
@Timeout(60)
class ImageBombTest {

  @TempDir Path temp;

  @Test
  void aPngBombIsRefusedBeforeDecodingAndTheWorkerStillServes() throws Exception {
    byte[] bomb = blackPng(30_000, 30_000);
    assertThat(bomb.length).isLessThan(1 << 20);
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp);
        ModelWorker worker = model.newWorker(0)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input(bomb))))
          .isInstanceOf(BadInputException.class)
          .hasMessage(
              "image of 30000 x 30000 pixels refused: more than max_image_pixels=50000000 (checked before decoding)");
      assertThat((System.nanoTime() - start) / 1_000_000).as("ms to refuse").isLessThan(5_000);
      Output digit = worker.predict(List.of(ModelHarness.input(DigitImages.png(3)))).get(0);
      assertThat(digit.getCode()).isEqualTo(200);
      assertThat(digit.getData().getAsString()).startsWith("[{\"className\":\"3\"");
    }
  }

  @Test
  void theLimitIsAModelProperty() throws Exception {
    try (LoadedModel model = JavaModeFixtures.load(TestModels.dir("digits-pt"), temp, Map.of("max_image_pixels", "63"));
        ModelWorker worker = model.newWorker(0)) {
      assertThatThrownBy(() -> worker.predict(List.of(ModelHarness.input(DigitImages.png(3)))))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("more than max_image_pixels=63");
    }
    assertThatThrownBy(() -> ModelSpec.parse("m=file:/m?max_image_pixels=0"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("max_image_pixels=0");
  }

  /** A 1-bit grayscale PNG of {@code width} × {@code height} black pixels, written chunk by chunk. */
  static byte[] blackPng(int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    DataOutputStream h = new DataOutputStream(header);
    h.writeInt(width);
    h.writeInt(height);
    h.write(new byte[] {1, 0, 0, 0, 0}); // bit depth 1, grayscale, deflate, no filter method, no interlace
    chunk(png, "IHDR", header.toByteArray());
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(data, new Deflater(Deflater.BEST_COMPRESSION))) {
      byte[] row = new byte[1 + (width + 7) / 8]; // filter byte 0, then zero bits
      for (int y = 0; y < height; y++) {
        z.write(row);
      }
    }
    chunk(png, "IDAT", data.toByteArray());
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] body) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(body.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    d.write(t);
    d.write(body);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(body);
    d.writeInt((int) crc.getValue());
  }
}
