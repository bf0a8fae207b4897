package io.servingkit.undertow;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelDescription;
import io.servingkit.ServingConfig;
import io.servingkit.ServingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The standalone ServingKit server: {@code servingkit -m digits=file:examples/models/digits-onnx}.
 *
 * <p>It collects the sources of its {@link ServingConfig} — {@code -f config.properties}, the process
 * environment ({@code SERVING_<KEY>}, {@code OPTION_<X>}, {@code ARGS_<X>}) and the flags ({@code -m} sets
 * {@code load_models}, {@code -s} sets {@code model_store}) — and hands them over; the configuration decides
 * the precedence (flags &gt; environment &gt; config.properties &gt; defaults) and checks every value. This
 * class is the only place that reads the environment, sets system properties or exits the JVM: it owns its
 * process, the library never does.
 *
 * <p>Exit codes: 0 after a clean stop, 1 when a startup model fails to load, 2 for a bad flag or setting.
 * The server listens before its startup models load: {@code /v2/health/live} answers at once,
 * {@code /v2/health/ready} only once the models are loaded. SIGTERM turns readiness false at once, keeps serving
 * new requests for {@code drain_delay} (so that load balancers take the replica out first), then refuses them with
 * 503 while those in flight finish (up to {@code drain_timeout}), then exits.
 */
@Command(
    name = "servingkit",
    mixinStandardHelpOptions = true,
    version = "ServingKit 0.1.0",
    sortOptions = false,
    description = "Serves DJL Serving model folders over DJL Serving's REST API.",
    footer = {
      "",
      "Environment: SERVING_<KEY> overrides a config.properties key (SERVING_JOB_QUEUE_SIZE=10);",
      "OPTION_<X>/ARGS_<X> fill model options/arguments that serving.properties does not set."
    })
public final class ServingKitCli implements Callable<Integer> {

  @Option(
      names = {"-m", "--models"},
      paramLabel = "ENTRY",
      description = "Model to load at startup, [name][:version][:engine][:devices]=url; repeatable.")
  private List<String> models = new ArrayList<>();

  @Option(
      names = {"-s", "--model-store"},
      paramLabel = "DIR",
      description = "Model store folder (every model in it is loaded unless load_models or -m says otherwise).")
  private Path modelStore;

  @Option(
      names = {"-f", "--config-file"},
      paramLabel = "FILE",
      description = "config.properties: DJL Serving's keys (inference_address, management_address, grpc_address, "
          + "job_queue_size, batch_size, max_batch_delay, max_idle_time, load_models, model_store, ...) "
          + "and ServingKit's (see README); option.* keys are model defaults.")
  private Path configFile;

  @Option(
      names = {"--disable-token-auth"},
      description = "Serve without token authorization, even when management listens beyond loopback (TorchServe's flag).")
  private boolean disableTokenAuth;

  @Spec private CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;
  private volatile StandaloneServer server;

  ServingKitCli(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** Starts the server; returns only once it serves (or exits the JVM with a non-zero code). */
  public static void main(String[] args) {
    // the standalone server owns its JVM: DJL must never download. ai.djl.onnx.disable_alternative stays
    // unset: DJL's image translators in front of ONNX Runtime models borrow PyTorch's operators.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // the server says "no GPU, serving on CPU" once instead of DJL's engines warning about CUDA
    CudaNoiseFilter.install();
    ServingKitCli cli = new ServingKitCli(System.getenv());
    // registered first: a SIGTERM while the startup models load drains too
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  StandaloneServer running = cli.server;
                  if (running != null) {
                    running.close();
                  }
                },
                "servingkit-shutdown"));
    int code = new CommandLine(cli).execute(args);
    if (cli.server == null) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ServingConfig config;
    try {
      config = configuration(configFile, env, models, modelStore, disableTokenAuth);
    } catch (InvalidSpecException e) {
      err.println("servingkit: " + e.getMessage());
      err.flush();
      return 2;
    }
    StandaloneServer opened;
    try {
      opened = StandaloneServer.open(config);
    } catch (RuntimeException e) {
      err.println("servingkit: cannot start: " + (e instanceof ServingException ? e.getMessage() : e.toString()));
      err.flush();
      return 1;
    }
    server = opened;
    out.println("Starting: listening on " + opened.addresses() + ", loading the startup models (not ready until done)");
    out.flush();
    try {
      opened.loadModels();
    } catch (RuntimeException e) {
      server = null;
      opened.close();
      err.println("servingkit: cannot start: " + (e instanceof ServingException ? e.getMessage() : e.toString()));
      err.flush();
      return 1;
    }
    printReady(out);
    return 0;
  }

  /**
   * The server's configuration from its sources: the {@code -f} file (or none), the process environment, the
   * {@code -m} entries (which replace {@code load_models}) and the {@code -s} folder (or null).
   *
   * @throws InvalidSpecException naming the key, value and source of a bad setting
   */
  static ServingConfig configuration(Path configFile, Map<String, String> env, List<String> models, Path modelStore) {
    return configuration(configFile, env, models, modelStore, false);
  }

  /** As above; {@code disableTokenAuth} is the {@code --disable-token-auth} flag, which wins over every source. */
  static ServingConfig configuration(
      Path configFile, Map<String, String> env, List<String> models, Path modelStore, boolean disableTokenAuth) {
    ServingConfig.Builder b = ServingConfig.builder().host(ServingConfig.Scope.STANDALONE).environment(env);
    if (configFile != null) {
      b.configFile(configFile);
    }
    if (modelStore != null) {
      b.set(ServingConfig.MODEL_STORE.key(), modelStore.toString(), "-s/--model-store");
    }
    if (models != null && !models.isEmpty()) {
      b.set(ServingConfig.LOAD_MODELS.key(), String.join(",", models), "-m/--models");
    }
    if (disableTokenAuth) {
      b.set(ServingConfig.DISABLE_TOKEN_AUTHORIZATION.key(), "true", "--disable-token-auth");
    }
    return b.build();
  }

  /** Prints the ready banner in one write, so that a reader who sees {@code Try:} sees every line of it. */
  private void printReady(PrintWriter out) {
    List<ModelDescription> loaded = server.models().list();
    List<URI> addresses = server.addresses();
    URI inference = addresses.get(0);
    List<String> names = loaded.stream().map(ModelDescription::modelName).distinct().toList();
    StringBuilder banner = new StringBuilder();
    if (server.split()) {
      banner.append("ServingKit inference API on ").append(inference).append(", management API on ").append(addresses.get(1));
    } else {
      banner.append("ServingKit listening on ").append(inference).append(" (inference and management)");
    }
    server.grpcPort().ifPresent(port -> banner.append("\nOpen Inference Protocol gRPC on ")
        .append(server.grpcHost()).append(':').append(port));
    banner.append('\n').append("Models: ");
    banner.append(names.isEmpty() ? "none (register one with POST /models?url=...)" : String.join(", ", names));
    String auth = "";
    if (server.tokens().isPresent()) {
      Path keyFile = server.keyFile();
      banner.append("\nToken authorization on: keys in ").append(keyFile.toAbsolutePath());
      auth = " -H \"Authorization: Bearer $(jq -r .inference.key " + keyFile + ")\"";
    }
    String authHeader = auth;
    banner.append("\nTry:\n  curl ").append(inference).append("/ping\n");
    if (!loaded.isEmpty()) {
      ModelDescription first = loaded.get(0);
      Optional<Path> sample = sample(first.modelUrl());
      String target = inference + "/predictions/" + first.modelName();
      banner.append(
          sample
              .map(p -> "  curl -T " + p + " " + target + authHeader)
              .orElse("  curl -X POST " + target + " -H 'Content-Type: application/octet-stream' --data-binary @INPUT"
                  + authHeader));
      banner.append('\n');
    }
    out.print(banner);
    out.flush();
  }

  /** A sample input shipped with a local model folder ({@code samples/}), if any. */
  static Optional<Path> sample(String modelUrl) {
    String path = modelUrl;
    if (path.startsWith("file://")) {
      path = URI.create(path).getPath();
    } else if (path.startsWith("file:")) {
      path = path.substring("file:".length());
    }
    Path samples;
    try {
      samples = Path.of(path).resolve("samples");
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (!Files.isDirectory(samples)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(samples)) {
      return files.filter(Files::isRegularFile).sorted().findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
