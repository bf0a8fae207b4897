package io.servingkit.examples;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.ModelServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves the trained digits model in-process, with no HTTP: builds a {@link ModelServer}, classifies the ten
 * sample images and prints the answers.
 *
 * <p>Run from the repository root: {@code mvn -q -pl examples/embedding -am -DskipTests package exec:java
 * -Dexec.mainClass=io.servingkit.examples.EmbeddedDigits} or call {@link #run(Path, PrintStream)}.
 */
public final class EmbeddedDigits {
  private EmbeddedDigits() {}

  /** Usage: {@code EmbeddedDigits [examples/models]}. */
  public static void main(String[] args) throws Exception {
    run(Path.of(args.length > 0 ? args[0] : "examples/models"), System.out);
  }

  /** Classifies {@code models/digit-images/0..9.png} with {@code models/digits-pt}; returns the correct count. */
  public static int run(Path models, PrintStream out) throws Exception {
    int correct = 0;
    try (ModelServer server =
        ModelServer.builder().model("digits=file:" + models.resolve("digits-pt").toAbsolutePath()).build()) {
      for (int digit = 0; digit < 10; digit++) {
        Input input = new Input();
        input.add(Files.readAllBytes(models.resolve("digit-images/" + digit + ".png")));
        Output output = server.predict("digits", input).join();
        String json = output.getData().getAsString();
        String top = json.replaceAll("(?s).*?\"className\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        out.println(digit + ".png -> " + top + "   " + json.replaceAll("\\s+", ""));
        if (top.equals(Integer.toString(digit))) {
          correct++;
        }
      }
    }
    out.println(correct + "/10 correct");
    return correct;
  }
}
