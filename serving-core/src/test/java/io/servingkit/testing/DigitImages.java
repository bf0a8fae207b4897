package io.servingkit.testing;

import ai.djl.ndarray.NDManager;

/** The sample digit images of {@code examples/models/digit-images} and the digits network's outputs for them. */
public final class DigitImages {

  private DigitImages() {}

  /** The PNG bytes of the sample image of {@code digit} (0..9). */
  public static byte[] png(int digit) {
    return TestModels.bytes("digit-images/" + digit + ".png");
  }

  /**
   * The network's softmax output for each sample image: {@code probabilities(m)[d][c]} is the probability of class
   * {@code c} for the image of digit {@code d}.
   */
  public static float[][] probabilities(NDManager manager) {
    float[] flat = ModelHarness.floats(manager, TestModels.bytes("digit-images/expected_probs.npy")).get(0);
    float[][] rows = new float[10][10];
    for (int d = 0; d < 10; d++) {
      System.arraycopy(flat, d * 10, rows[d], 0, 10);
    }
    return rows;
  }
}
