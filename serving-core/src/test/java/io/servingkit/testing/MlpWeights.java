package io.servingkit.testing;

import com.google.gson.Gson;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The weights, sample inputs and expected outputs of the test MLP ({@code examples/models/mlp-data/weights.json}):
 * {@code output = fc2(relu(fc1(input)))} with torch's layout ({@code weight[out][in]}).
 */
public final class MlpWeights {

  /** fc1 weight, [8][4]. */
  public final float[][] fc1Weight;
  /** fc1 bias, [8]. */
  public final float[] fc1Bias;
  /** fc2 weight, [3][8]. */
  public final float[][] fc2Weight;
  /** fc2 bias, [3]. */
  public final float[] fc2Bias;
  /** The sample inputs, [5][4] (the same numbers as inputs.npy). */
  public final float[][] inputs;
  /** torch's outputs for them, [5][3] (the same numbers as expected.npy). */
  public final float[][] expected;

  private MlpWeights(Json json) {
    fc1Weight = json.fc1Weight;
    fc1Bias = json.fc1Bias;
    fc2Weight = json.fc2Weight;
    fc2Bias = json.fc2Bias;
    inputs = json.inputs;
    expected = json.expected;
  }

  /** Reads {@code examples/models/mlp-data/weights.json}. */
  public static MlpWeights load() {
    Path file = TestModels.dir("mlp-data").resolve("weights.json");
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return new MlpWeights(new Gson().fromJson(reader, Json.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Transposes a matrix ({@code [out][in]} to {@code [in][out]}). */
  public static float[][] transpose(float[][] m) {
    float[][] t = new float[m[0].length][m.length];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[0].length; j++) {
        t[j][i] = m[i][j];
      }
    }
    return t;
  }

  private static final class Json {
    @com.google.gson.annotations.SerializedName("fc1.weight")
    float[][] fc1Weight;

    @com.google.gson.annotations.SerializedName("fc1.bias")
    float[] fc1Bias;

    @com.google.gson.annotations.SerializedName("fc2.weight")
    float[][] fc2Weight;

    @com.google.gson.annotations.SerializedName("fc2.bias")
    float[] fc2Bias;

    float[][] inputs;
    float[][] expected;
  }
}
