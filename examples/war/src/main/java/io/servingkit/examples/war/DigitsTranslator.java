package io.servingkit.examples.war;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.ServingTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Turns an image into the digits network's input — 8×8 grayscale, pixels scaled to [0, 1], shape
 * {@code [1, 1, 8, 8]} — and its ten logits into the top classes as DJL's image classification answers them:
 * {@code [{"className": "3", "probability": 0.99}, ...]}.
 *
 * <p>DJL's own image classification translator resizes and scales with NDArray operators, which ONNX Runtime
 * does not have (DJL borrows PyTorch's for them). Doing that small work in plain Java keeps this web
 * application on ONNX Runtime alone: one engine, no libtorch in the WAR.
 *
 * <p>Arguments (serving.properties): {@code topK} (default 3). The class names come from the model's
 * {@code synset.txt}.
 */
public final class DigitsTranslator implements ServingTranslator {

  private static final int SIZE = 8;

  private int topK = 3;
  private List<String> classes;

  /** Created by ServingKit from {@code translator=} in serving.properties. */
  public DigitsTranslator() {}

  @Override
  public void setArguments(Map<String, ?> arguments) {
    Object k = arguments.get("topK");
    if (k != null) {
      topK = Integer.parseInt(k.toString().strip());
    }
  }

  @Override
  public void prepare(TranslatorContext ctx) throws IOException {
    List<String> names = new ArrayList<>();
    for (String line : Files.readAllLines(ctx.getModel().getModelPath().resolve("synset.txt"), StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        names.add(line.strip());
      }
    }
    classes = names;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws TranslateException {
    byte[] bytes = input.getData() == null ? new byte[0] : input.getData().getAsBytes();
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new TranslateException("the request body is not a readable image: " + e.getMessage(), e);
    }
    if (image == null) {
      throw new TranslateException("the request body is not an image (" + bytes.length + " bytes)");
    }
    BufferedImage gray = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = gray.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, SIZE, SIZE, null);
    } finally {
      g.dispose();
    }
    Raster raster = gray.getRaster();
    float[] pixels = new float[SIZE * SIZE];
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        pixels[y * SIZE + x] = raster.getSample(x, y, 0) / 255f;
      }
    }
    return new NDList(ctx.getNDManager().create(pixels, new Shape(1, 1, SIZE, SIZE)));
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) {
    float[] logits = list.singletonOrThrow().toFloatArray();
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double[] probabilities = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      probabilities[i] = Math.exp(logits[i] - max);
      sum += probabilities[i];
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < logits.length; i++) {
      probabilities[i] /= sum;
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> probabilities[i]).reversed());
    StringBuilder json = new StringBuilder("[\n");
    for (int rank = 0; rank < Math.min(topK, order.size()); rank++) {
      int i = order.get(rank);
      String name = i < classes.size() ? classes.get(i) : Integer.toString(i);
      json.append(rank == 0 ? "" : ",\n")
          .append("  {\n    \"className\": \"")
          .append(name.replace("\\", "\\\\").replace("\"", "\\\""))
          .append("\",\n    \"probability\": ")
          .append(String.format(Locale.ROOT, "%.8f", probabilities[i]))
          .append("\n  }");
    }
    json.append("\n]\n");
    Output out = new Output();
    out.addProperty("Content-Type", "application/json");
    out.add(json.toString());
    return out;
  }

  /** One image per call: stacking would need NDArray operators that ONNX Runtime lacks. */
  @Override
  public Batchifier getBatchifier() {
    return null;
  }
}
