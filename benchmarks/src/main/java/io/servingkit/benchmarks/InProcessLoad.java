package io.servingkit.benchmarks;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.servingkit.ModelServer;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ServingApi;
import io.servingkit.binary.TensorCodecs;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The in-process side of the load scripts ({@code benchmarks/load/run.sh}, {@code benchmarks/compare.sh}): the same
 * model folder and request body as the HTTP load, driven by {@code C} closed-loop client threads (like wrk
 * connections), one line per concurrency: {@code <path> connections=C requests=N rps=R p50_ms=X p99_ms=Y errors=E}.
 *
 * <ul>
 *   <li>{@code server}: every request is the body as it would arrive over HTTP, sent to
 *       {@link ModelServer#predict} (queue, batcher, worker, tensor decode and encode), joined.
 *   <li>{@code wait}: the same request through {@link ModelServer#predictAndWait}, which waits on the same path
 *       as {@code predict}.
 *   <li>{@code api}: the same request as an {@link io.servingkit.api.ApiRequest} to {@link
 *       io.servingkit.api.ServingApi#handle}, joined: the REST layer without HTTP (what an adapter adds on top is
 *       then the HTTP server itself).
 *   <li>{@code raw}: the DJL baseline without any serving layer: the folder's model loaded with {@code Criteria}
 *       ({@code NDList -> NDList}, {@code NoopTranslator}, the folder's {@code engine} and
 *       {@code option.modelName}), one {@code Predictor} per client thread, the body decoded once, then
 *       {@code predictor.predict(tensors)} in a loop.
 * </ul>
 *
 * <p>Run: {@code java -cp ... io.servingkit.benchmarks.InProcessLoad server|wait|api|raw MODEL_DIR BODY_FILE
 * CONTENT_TYPE CONNECTIONS[,C2,...] WARMUP_S DURATION_S}.
 */
public final class InProcessLoad {

  private InProcessLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 7 || !List.of("server", "wait", "raw", "api").contains(args[0])) {
      System.err.println(
          "usage: InProcessLoad server|wait|api|raw MODEL_DIR BODY_FILE CONTENT_TYPE CONNECTIONS[,C2,...] WARMUP_S DURATION_S");
      System.exit(2);
    }
    Path modelDir = Path.of(args[1]).toAbsolutePath();
    byte[] body = Files.readAllBytes(Path.of(args[2]));
    String contentType = args[3];
    List<Integer> concurrencies = new ArrayList<>();
    for (String c : args[4].split(",")) {
      concurrencies.add(Integer.parseInt(c.trim()));
    }
    long warmup = Long.parseLong(args[5]);
    long duration = Long.parseLong(args[6]);
    switch (args[0]) {
      case "raw" -> raw(modelDir, body, contentType, concurrencies, warmup, duration);
      default -> server(args[0], modelDir, body, contentType, concurrencies, warmup, duration);
    }
  }

  /** The {@code server}, {@code wait} and {@code api} paths: one server, one kind of call per path. */
  private static void server(
      String path,
      Path modelDir, byte[] body, String contentType, List<Integer> concurrencies, long warmup, long duration)
      throws InterruptedException {
    try (ModelServer server = ModelServer.builder().model("m=" + modelDir.toUri()).build();
        ServingApi api = new ServingApi(server)) {
      ClosedLoop.Call call =
          switch (path) {
            case "wait" -> () -> server.predictAndWait("m", input(body, contentType)).getCode() < 300;
            case "api" -> () -> api.handle(apiRequest(body, contentType)).toCompletableFuture().join().status() < 300;
            default -> () -> server.predict("m", input(body, contentType)).join().getCode() < 300;
          };
      for (int clients : concurrencies) {
        System.out.println(ClosedLoop.run(clients, warmup, duration, client -> call).line(path));
      }
      if (Boolean.getBoolean("servingkit.printMetrics")) { // -Dservingkit.printMetrics=true: queue vs inference time
        System.err.println(server.scrapeMetrics());
      }
    }
  }

  /** The request body as it would arrive over HTTP. */
  private static Input input(byte[] body, String contentType) {
    Input input = new Input();
    input.add("data", body);
    input.addProperty("Content-Type", contentType);
    return input;
  }

  /** The request as an HTTP adapter hands it to the REST layer. */
  private static ApiRequest apiRequest(byte[] body, String contentType) {
    return ApiRequest.builder("POST", "/predictions/m")
        .header("Host", "127.0.0.1:8080")
        .header("Content-Type", contentType)
        .header("Content-Length", String.valueOf(body.length))
        .body(body)
        .build();
  }

  private static void raw(
      Path modelDir, byte[] body, String contentType, List<Integer> concurrencies, long warmup, long duration)
      throws Exception {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(modelDir.resolve("serving.properties"))) {
      props.load(reader);
    }
    String engine = props.getProperty("engine");
    // the process as the server paths run in it: a ModelServer loading this folder once turns libtorch's NNPACK off
    // where the CPU cannot run it, as the server does (else every forward call tries it and prints two warnings)
    try (ModelServer loadedOnce = ModelServer.builder().model("m=" + modelDir.toUri()).build()) {
      loadedOnce.list();
    }
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(modelDir)
            .optModelName(props.getProperty("option.modelName"))
            .optEngine(engine)
            .optOption("interOpNumThreads", "1")
            .optOption("intraOpNumThreads", "1")
            .optTranslator(new NoopTranslator())
            .build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
      for (int clients : concurrencies) {
        List<AutoCloseable> perThread = new ArrayList<>();
        ClosedLoop.Result result =
            ClosedLoop.run(
                clients,
                warmup,
                duration,
                client -> {
                  Predictor<NDList, NDList> predictor = model.newPredictor();
                  NDManager manager = NDManager.newBaseManager(Device.cpu(), engine);
                  NDList tensors = TensorCodecs.decode(body, contentType, manager);
                  synchronized (perThread) {
                    perThread.add(manager);
                    perThread.add(predictor);
                  }
                  return () -> {
                    try (NDList out = predictor.predict(tensors)) {
                      return out.size() > 0;
                    }
                  };
                });
        for (AutoCloseable c : perThread) {
          c.close();
        }
        System.out.println(result.line("raw"));
      }
    }
  }
}
