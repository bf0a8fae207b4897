package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.input;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.spi.ModelWorker;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Image in, label out: PIL decodes the body, a torch model built in the init call classifies it. */
@ExtendWith(NoLeaks.class)
class ImageClassifierTest {
  @TempDir Path workDir;

  private static byte[] image(Color color, String format) throws Exception {
    BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, 32, 24);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 6, 6);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    return out.toByteArray();
  }

  private static JsonObject json(Output output) {
    return JsonParser.parseString(output.getData().getAsString()).getAsJsonObject();
  }

  @Test
  void labelsEachImageByItsDominantColour() throws Exception {
    try (PythonModel model = PythonTestModels.load("classifier", workDir);
        ModelWorker worker = model.newWorker(1)) {
      Output red = worker.predict(List.of(input(image(new Color(200, 30, 20), "png"), "image/png"))).get(0);
      Output green = worker.predict(List.of(input(image(new Color(10, 180, 40), "jpg"), "image/jpeg"))).get(0);
      Output blue = worker.predict(List.of(input(image(new Color(20, 40, 220), "png"), "image/png"))).get(0);

      assertThat(json(red).get("label").getAsString()).isEqualTo("red");
      assertThat(json(red).get("probability").getAsDouble()).isBetween(0.34, 1.0);
      assertThat(json(green).get("label").getAsString()).isEqualTo("green");
      assertThat(json(blue).get("label").getAsString()).isEqualTo("blue");
    }
  }
}
