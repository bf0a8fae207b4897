package io.servingkit.paddle;

import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Measures (does not assert) a PaddlePaddle model's load time, the resident memory of its worker JVM and of this
 * JVM, and calls per second with the test layer (4 → 3): through {@link ModelServer#predict} at batch size 1
 * (one client, then 8 clients on 2 workers) and through a bare DJL {@link Predictor} of the engine (the baseline:
 * the same worker, no serving layer).
 *
 * <pre>
 * mvn -o -q -pl serving-paddle -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * cd serving-paddle
 * CP=target/classes:target/test-classes:$(cat target/test-classpath.txt)
 * java -Dai.djl.offline=true -cp $CP io.servingkit.paddle.PaddleTimings target/timing 20000
 * # with an empty native cache (DJL unpacks Paddle's 157 MB of libraries first):
 * java -Dai.djl.offline=true -DDJL_CACHE_DIR=$(mktemp -d) -cp $CP io.servingkit.paddle.PaddleTimings target/timing 2000
 * </pre>
 */
public final class PaddleTimings {

  private PaddleTimings() {}

  public static void main(String[] args) throws Exception {
    Path root = Paths.get(args.length > 0 ? args[0] : "target/timing");
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
    Path dir = PaddleModels.write(root.resolve("fc"), "inference", PaddleModels.SMALL);
    NDManager manager = Engine.getEngine("PaddlePaddle").newBaseManager();
    byte[] sample = new NDList(manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 4))).encode();

    try (ModelServer server = ModelServer.builder().workDir(root.resolve("work")).build()) {
      long start = System.nanoTime();
      server.register(ModelSpec.of("fc", null, dir.toUri().toString(), Map.of("minWorkers", "2", "maxWorkers", "2")));
      System.out.printf("register (worker JVM start + model load): %d ms%n", ms(System.nanoTime() - start));
      long worker = ProcessHandle.current().children().filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(WorkerPlugin.MAIN_CLASS)).orElse(false)).findFirst().orElseThrow().pid();
      for (int i = 0; i < 200; i++) {
        server.predict("fc", input(sample)).get(60, TimeUnit.SECONDS);
      }
      System.out.printf("resident memory: worker JVM %d MB, this JVM %d MB%n", rssMb(worker), rssMb(ProcessHandle.current().pid()));

      long[] latencies = new long[calls];
      start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        server.predict("fc", input(sample)).get(60, TimeUnit.SECONDS);
        latencies[i] = System.nanoTime() - t;
      }
      report("ModelServer.predict, 1 client", calls, System.nanoTime() - start, latencies);

      int clients = 8;
      start = System.nanoTime();
      List<CompletableFuture<Void>> loops = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        loops.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < calls / clients; i++) {
            server.predict("fc", input(sample)).join();
          }
        }));
      }
      CompletableFuture.allOf(loops.toArray(new CompletableFuture[0])).get(10, TimeUnit.MINUTES);
      report("ModelServer.predict, " + clients + " clients, 2 workers", calls / clients * clients, System.nanoTime() - start, null);
    }

    try (ZooModel<NDList, NDList> model =
            Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(dir)
                .optEngine("PaddlePaddle")
                .optTranslator(new NoopTranslator())
                .build()
                .loadModel();
        Predictor<NDList, NDList> predictor = model.newPredictor()) {
      float[] x = {1, 2, 3, 4};
      long[] latencies = new long[calls];
      for (int i = 0; i < 200; i++) {
        predictor.predict(new NDList(manager.create(x, new Shape(1, 4))));
      }
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        try (NDManager call = manager.newSubManager()) {
          predictor.predict(new NDList(call.create(x, new Shape(1, 4)))).get(0).toFloatArray();
        }
        latencies[i] = System.nanoTime() - t;
      }
      report("bare DJL Predictor (same worker protocol, no serving layer)", calls, System.nanoTime() - start, latencies);
    }
    manager.close();
  }

  private static Input input(byte[] body) {
    Input input = new Input();
    input.add("data", body);
    return input;
  }

  private static void report(String what, int calls, long nanos, long[] latencies) {
    String percentiles = "";
    if (latencies != null) {
      Arrays.sort(latencies);
      percentiles = String.format(", p50 %.0f µs, p99 %.0f µs", latencies[calls / 2] / 1e3, latencies[calls * 99 / 100] / 1e3);
    }
    System.out.printf("%s: %.0f calls/s%s%n", what, calls / (nanos / 1e9), percentiles);
  }

  private static long rssMb(long pid) throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
