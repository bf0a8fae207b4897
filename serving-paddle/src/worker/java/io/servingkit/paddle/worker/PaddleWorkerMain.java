package io.servingkit.paddle.worker;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.paddlepaddle.engine.PpEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The PaddlePaddle worker process: DJL 0.27 and its PaddlePaddle engine on a class path of their own, compiled
 * against them only (this source folder never sees DJL 0.36).
 *
 * <p>Command line: {@code --socket <path> --model-file <file> --params-file <file> --load-dir <folder> [--option
 * key=value]...}. It loads the model (the two files linked into {@code load-dir} under the names DJL 0.27
 * looks for), listens on the Unix socket, prints {@link #READY} on standard output and serves each connection
 * with a predictor of its own (a clone of the loaded one, sharing its weights) on a thread of its own. It leaves
 * when its standard input ends: the serving JVM holds the other end, so the worker never outlives it.
 *
 * <p>The wire format of a connection is in {@link Session}.
 */
public final class PaddleWorkerMain {

  /** The line printed once the socket listens. */
  public static final String READY = "servingkit-paddle-worker ready";

  private PaddleWorkerMain() {}

  /**
   * Runs the worker.
   *
   * @param args the command line described in the class comment
   * @throws Exception when the model cannot be loaded or the socket cannot be opened; the serving JVM shows the
   *     stack trace from this process's output
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> arguments = new HashMap<>();
    Map<String, Object> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--option")) {
        int eq = args[i + 1].indexOf('=');
        options.put(args[i + 1].substring(0, eq), typed(args[i + 1].substring(0, eq), args[i + 1].substring(eq + 1)));
      } else {
        arguments.put(args[i], args[i + 1]);
      }
    }
    Path socket = Paths.get(required(arguments, "--socket"));
    Path loadDir = Files.createDirectories(Paths.get(required(arguments, "--load-dir")));
    link(loadDir.resolve("inference.pdmodel"), Paths.get(required(arguments, "--model-file")));
    link(loadDir.resolve("inference.pdiparams"), Paths.get(required(arguments, "--params-file")));

    Model model = load(loadDir, options);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    ExecutorService threads = Executors.newCachedThreadPool(PaddleWorkerMain::daemon);
    threads.execute(() -> accept(server, model, threads));

    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println(READY + " " + Engine.getEngine(PpEngine.ENGINE_NAME).getVersion());
    awaitEndOfInput(System.in);
    // the server closed our input or died (kill -9 included): leave even if a prediction or close() hangs
    Thread halt = daemon(() -> {
      try {
        Thread.sleep(5_000);
      } catch (InterruptedException e) {
        return;
      }
      Runtime.getRuntime().halt(3);
    });
    halt.start();
    server.close();
    threads.shutdownNow();
    model.close();
  }

  /** Every thread of the worker is a daemon: the end of {@code main} ends the process. */
  private static Thread daemon(Runnable task) {
    Thread thread = Executors.defaultThreadFactory().newThread(task);
    thread.setName("paddle-worker-" + thread.getName());
    thread.setDaemon(true);
    return thread;
  }

  private static Model load(Path loadDir, Map<String, Object> options) throws IOException, MalformedModelException {
    Model model = Engine.getEngine(PpEngine.ENGINE_NAME).newModel("model", Device.cpu());
    model.load(loadDir, "inference", options);
    return model;
  }

  /** PpModel reads these options with casts: numbers and booleans must arrive as such. */
  private static Object typed(String key, String value) {
    switch (key) {
      case "CMLNumThreads":
        return Integer.valueOf(value);
      case "SwitchIrOptim":
        return Boolean.valueOf(value);
      default:
        return value;
    }
  }

  private static void accept(ServerSocketChannel server, Model model, ExecutorService threads) {
    while (server.isOpen()) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (IOException e) {
        return; // closed: the worker is leaving
      }
      threads.execute(new Session(channel, model));
    }
  }

  private static void awaitEndOfInput(InputStream in) throws IOException {
    byte[] buffer = new byte[256];
    while (in.read(buffer) >= 0) {
      // nothing is sent on standard input; its end is the signal to leave
    }
  }

  private static void link(Path link, Path target) throws IOException {
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, target.toAbsolutePath());
  }

  private static String required(Map<String, String> arguments, String key) {
    String value = arguments.get(key);
    if (value == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return value;
  }
}
