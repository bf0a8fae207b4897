package io.servingkit.paddle;

import java.io.IOException;
import java.nio.file.Path;

/** serving-paddle's test models, for the tests of other packages here (the launcher's). */
public final class PaddleFixtures {

  private PaddleFixtures() {}

  /** Writes the 4 → 3 linear layer {@link PaddleModels#SMALL} as {@code inference.pdmodel/.pdiparams} into {@code dir}. */
  public static Path writeSmallModel(Path dir) throws IOException {
    return PaddleModels.write(dir, "inference", PaddleModels.SMALL);
  }

  /** A little-endian float32 {@code .npy} of {@code values} in {@code shape}. */
  public static byte[] npy(float[] values, long... shape) {
    return PaddleHttpTest.npy(values, shape);
  }

  /** What the small model answers for {@code x}: {@code x · w + b} per row. */
  public static float[][] smallModelAnswer(float[][] x) {
    return PaddleModels.SMALL.apply(x);
  }
}
