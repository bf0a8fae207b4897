package io.servingkit.examples.spring;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** The digits network's input: an image scaled to 8×8 grayscale, pixels in [0, 1], row by row. */
final class Pixels {
  static final int SIZE = 8;

  private Pixels() {}

  /** The 64 pixels of an encoded image (PNG, JPEG, ...). */
  static float[] of(byte[] encoded) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded));
    if (image == null) {
      throw new IOException("not an image (" + encoded.length + " bytes)");
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
    return pixels;
  }

  /** Softmax of the network's ten logits. */
  static double[] probabilities(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
