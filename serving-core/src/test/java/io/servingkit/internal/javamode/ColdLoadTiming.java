package io.servingkit.internal.javamode;

import ai.djl.modality.Output;
import io.servingkit.ModelSpec;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.internal.loading.EngineDetector;
import io.servingkit.internal.loading.Folders;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModelWorker;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.ModelHarness;
import io.servingkit.testing.MxNetModels;
import io.servingkit.testing.TensorFlowModels;
import io.servingkit.testing.TestModels;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * Measures (does not assert) how long a fresh JVM takes to load a test model in Java mode and answer once: run it
 * once per engine, each in its own JVM, with the native libraries already unpacked in the DJL cache.
 *
 * <pre>
 * cd serving-core
 * mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * CP=target/classes:target/test-classes:$(cat target/test-classpath.txt)
 * java -cp $CP io.servingkit.ColdLoadTiming prepare target/timing-models   # TF and MXNet copies of the MLP
 * for m in mlp:PyTorch mlp:OnnxRuntime mlp:TensorFlow mlp:MXNet digits:PyTorch; do
 *   java -Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true -cp $CP \
 *     io.servingkit.ColdLoadTiming ${m%%:*} ${m##*:} target/timing-models
 * done
 * </pre>
 *
 * <p>Prints one line per run: JVM start to {@code main}, the load (engine start, natives, model, translator), the
 * first prediction, the median of 200 more, and JVM start to the first answer.
 */
public final class ColdLoadTiming {

  private ColdLoadTiming() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("prepare")) {
      Path root = Paths.get(args[1]);
      TensorFlowModels.writeMlp(root.resolve("mlp-tf"));
      MxNetModels.writeMlp(root.resolve("mlp-mx"), "mlp");
      TestModels.writeProperties(root.resolve("mlp-mx"), "option.modelName=mlp");
      System.out.println("wrote " + root.resolve("mlp-tf") + " and " + root.resolve("mlp-mx"));
      return;
    }
    long mainStart = System.currentTimeMillis();
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    String model = args[0];
    String engine = args[1];
    Path generated = Paths.get(args.length > 2 ? args[2] : "target/timing-models");
    Path dir = folder(model, engine, generated);
    byte[] body =
        model.equals("digits") ? DigitImages.png(3) : Files.readAllBytes(TestModels.dir("mlp-data").resolve("inputs.npy"));
    Path work = Files.createTempDirectory("servingkit-timing");

    long t0 = System.nanoTime();
    ModelSpec spec =
        ModelSpec.of(model, null, dir.toUri().toString(), Map.of())
            .withDefaults(ModelSpec.readProperties(dir.resolve("serving.properties")));
    DefaultModelContext context = new DefaultModelContext(spec, dir, EngineDetector.detect(dir, spec), work);
    try (LoadedModel loaded = new JavaModeProvider().load(context, null);
        ModelWorker worker = loaded.newWorker(0)) {
      long t1 = System.nanoTime();
      Output first = worker.predict(List.of(ModelHarness.input(body))).get(0);
      long t2 = System.nanoTime();
      long firstAnswer = System.currentTimeMillis();
      long[] warm = new long[200];
      for (int i = 0; i < warm.length; i++) {
        long s = System.nanoTime();
        worker.predict(List.of(ModelHarness.input(body)));
        warm[i] = System.nanoTime() - s;
      }
      java.util.Arrays.sort(warm);
      System.out.printf(
          "RESULT %-6s %-11s code=%d  jvm->main %4d ms  load %5.0f ms  first predict %6.1f ms  warm p50 %6.3f ms"
              + "  jvm->first answer %5d ms%n",
          model,
          engine,
          first.getCode(),
          mainStart - jvmStart,
          (t1 - t0) / 1e6,
          (t2 - t1) / 1e6,
          warm[warm.length / 2] / 1e6,
          firstAnswer - jvmStart);
    } finally {
      Folders.deleteTree(work);
    }
  }

  private static Path folder(String model, String engine, Path generated) {
    String key = model + ":" + engine;
    switch (key) {
      case "mlp:PyTorch":
        return TestModels.dir("mlp-pt");
      case "mlp:OnnxRuntime":
        return TestModels.dir("mlp-onnx");
      case "mlp:TensorFlow":
        return generated.resolve("mlp-tf");
      case "mlp:MXNet":
        return generated.resolve("mlp-mx");
      case "digits:PyTorch":
        return TestModels.dir("digits-pt");
      case "digits:OnnxRuntime":
        return TestModels.dir("digits-onnx");
      default:
        throw new IllegalArgumentException("no test model " + key);
    }
  }
}
