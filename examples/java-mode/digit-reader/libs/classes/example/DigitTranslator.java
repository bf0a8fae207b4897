package example;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.JsonUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A custom Java-mode translator, compiled by the server when it loads the model: reads an 8x8 digit as a PNG
 * (any colour image, read as grey) or as JSON {@code {"pixels": [[8 numbers 0-255] x 8 rows]}}, runs the CNN and
 * answers {@code {"digit": d, "confidence": p, "sure": p >= threshold}} (model argument {@code threshold}, from
 * serving.properties, default 0.5). Works on plain float arrays, so it needs no engine operators besides the
 * model itself.
 */
public class DigitTranslator implements ServingTranslator {
  private static final int SIDE = 8;
  private float threshold = 0.5f;

  @Override
  public void setArguments(Map<String, ?> arguments) {
    Object value = arguments.get("threshold");
    if (value != null) {
      threshold = Float.parseFloat(value.toString());
    }
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws TranslateException {
    byte[] body = input.getData().getAsBytes();
    float[] pixels = isPng(body) ? fromPng(body) : fromJson(new String(body, StandardCharsets.UTF_8));
    return new NDList(ctx.getNDManager().create(pixels, new Shape(1, 1, SIDE, SIDE)));
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    float[] logits = list.get(0).toFloatArray();
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    double sum = 0;
    for (float logit : logits) {
      sum += Math.exp(logit - logits[best]);
    }
    double confidence = 1 / sum; // softmax of the best class
    JsonObject answer = new JsonObject();
    answer.addProperty("digit", best);
    answer.addProperty("confidence", Double.parseDouble(String.format(Locale.ROOT, "%.4f", confidence)));
    answer.addProperty("sure", confidence >= threshold);
    Output output = new Output();
    output.addProperty("Content-Type", "application/json");
    output.add(JsonUtils.GSON.toJson(answer));
    return output;
  }

  /** One request is one image: the input already has its batch axis. */
  @Override
  public Batchifier getBatchifier() {
    return null;
  }

  private static boolean isPng(byte[] body) {
    return body.length > 4 && (body[0] & 0xff) == 0x89 && body[1] == 'P' && body[2] == 'N' && body[3] == 'G';
  }

  private static float[] fromPng(byte[] body) throws TranslateException {
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(body));
    } catch (IOException e) {
      throw new TranslateException("cannot read the PNG: " + e.getMessage(), e);
    }
    if (image == null || image.getWidth() != SIDE || image.getHeight() != SIDE) {
      throw new TranslateException("expected an 8x8 PNG");
    }
    float[] pixels = new float[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        int rgb = image.getRGB(x, y);
        int grey = (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff)) / 3;
        pixels[y * SIDE + x] = grey / 255f;
      }
    }
    return pixels;
  }

  private static float[] fromJson(String text) throws TranslateException {
    JsonArray rows;
    try {
      JsonElement pixels = JsonUtils.GSON.fromJson(text, JsonObject.class).get("pixels");
      rows = pixels.getAsJsonArray();
    } catch (RuntimeException e) {
      throw new TranslateException("expected a PNG or {\"pixels\": [[8 numbers] x 8 rows]}");
    }
    if (rows.size() != SIDE) {
      throw new TranslateException("expected 8 rows of pixels, got " + rows.size());
    }
    float[] pixels = new float[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
      JsonArray row = rows.get(y).getAsJsonArray();
      if (row.size() != SIDE) {
        throw new TranslateException("row " + y + " has " + row.size() + " pixels, expected 8");
      }
      for (int x = 0; x < SIDE; x++) {
        pixels[y * SIDE + x] = row.get(x).getAsFloat() / 255f;
      }
    }
    return pixels;
  }
}
