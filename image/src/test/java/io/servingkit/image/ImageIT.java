package io.servingkit.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Starts the built image the way a container runtime would, without one: its layers are unpacked in order into a
 * folder (whiteouts applied), and its entrypoint runs there under {@code chroot} as the image's user, in a private
 * mount namespace where the root file system is read-only, {@code /work} and {@code /tmp} are empty tmpfs, and
 * {@code /mnt/models} holds the digits TorchScript model (as KServe's storage initializer leaves it). The test
 * waits until {@code /v2/health/ready} answers 200, predicts a digit image, checks the server runs as uid 1000,
 * and stops it with SIGTERM.
 *
 * <p>Needs root (chroot, mounts); elsewhere the image is not built and the test is skipped with a message. Run
 * alone: {@code mvn -o -B -pl image -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ImageIT {
  private static final Duration READY_WITHIN = Duration.ofMinutes(4);

  @Test
  void imageServesTheDigitsModelFromAReadOnlyRoot() throws Exception {
    Path imageTar = Path.of(System.getProperty("servingkit.image.tar"));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!Files.isRegularFile(imageTar) || "true".equals(System.getProperty("servingkit.image.skipped"))) {
      if (!root) {
        Assumptions.abort("*** not root: the image was not built and is NOT checked (run as root, as CI does) ***");
      }
      fail("no image tarball at " + imageTar);
    }
    Assumptions.assumeTrue(root, "*** not root: cannot chroot into the image; it is NOT checked ***");
    Path dir = imageTar.resolveSibling("image-it");
    run("rm", "-rf", dir.toString());
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    long start = System.nanoTime();
    run("tar", "-xf", imageTar.toString(), "-C", dir.toString());
    JsonObject manifest = JsonParser.parseString(Files.readString(dir.resolve("manifest.json")))
        .getAsJsonArray().get(0).getAsJsonObject();
    JsonObject config = JsonParser.parseString(Files.readString(dir.resolve(manifest.get("Config").getAsString())))
        .getAsJsonObject().getAsJsonObject("config");
    for (var layer : manifest.getAsJsonArray("Layers")) {
      unpackLayer(dir.resolve(layer.getAsString()), rootfs);
    }
    System.out.printf("ImageIT: %d layers unpacked in %.1f s%n",
        manifest.getAsJsonArray("Layers").size(), (System.nanoTime() - start) / 1e9);

    String user = config.get("User").getAsString();
    assertThat(user).as("numeric, non-root user").matches("[1-9][0-9]*:[0-9]+");
    Path models = Files.createDirectories(dir.resolve("models"));
    Path repo = Path.of(System.getProperty("servingkit.models"));
    run("cp", "-r", repo.resolve("digits-pt").toString(), models.resolve("digits").toString());

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-ec",
        String.join("\n",
            "r=" + rootfs,
            "mount --bind \"$r\" \"$r\"",
            "mount --bind " + models + " \"$r/mnt/models\"",
            "mount -o remount,bind,ro \"$r/mnt/models\"",
            "mount -o remount,bind,ro \"$r\"",
            "mount -t tmpfs -o mode=1777 tmpfs \"$r/tmp\"",
            "mount -t tmpfs -o mode=0775,uid=" + user.split(":")[0] + ",gid=" + user.split(":")[1] + " tmpfs \"$r/work\"",
            "mount -t proc proc \"$r/proc\"",
            "mount --rbind /dev \"$r/dev\"",
            "if chroot \"$r\" touch /written 2>/dev/null; then echo 'root file system is writable' >&2; exit 3; fi",
            "exec chroot --userspec=" + user + " \"$r\" \"$@\""),
        "image-entrypoint"));
    config.getAsJsonArray("Entrypoint").forEach(e -> command.add(e.getAsString()));
    if (config.has("Cmd") && config.get("Cmd").isJsonArray()) {
      config.getAsJsonArray("Cmd").forEach(e -> command.add(e.getAsString()));
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.clear();
    for (var e : config.getAsJsonArray("Env")) {
      String[] kv = e.getAsString().split("=", 2);
      env.put(kv[0], kv[1]);
    }
    // the host's network is shared: loopback and a free port instead of the image's 0.0.0.0:8080
    env.put("SERVING_INFERENCE_ADDRESS", "http://127.0.0.1:" + port);
    Path log = dir.resolve("server.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    System.out.println("ImageIT: " + command.subList(command.indexOf("image-entrypoint") + 1, command.size()));

    Process server = pb.start();
    try {
      long launched = System.nanoTime();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI base = URI.create("http://127.0.0.1:" + port);
      int status = 0;
      while (status != 200) {
        if (!server.isAlive() || System.nanoTime() - launched > READY_WITHIN.toNanos()
            || Files.readString(log).contains("Exception in thread \"main\"")) {
          fail("not ready (last status " + status + ", alive " + server.isAlive() + "):\n" + tail(log));
        }
        try {
          status = http.send(HttpRequest.newBuilder(base.resolve("/v2/health/ready")).timeout(Duration.ofSeconds(5))
              .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
          // not listening yet
        }
        if (status != 200) {
          TimeUnit.MILLISECONDS.sleep(250);
        }
      }
      System.out.printf("ImageIT: ready %.1f s after start%n", (System.nanoTime() - launched) / 1e9);

      HttpResponse<String> live = http.send(HttpRequest.newBuilder(base.resolve("/v2/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
      byte[] png = Files.readAllBytes(repo.resolve("digit-images/9.png"));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/predictions/digits"))
          .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonArray top = JsonParser.parseString(r.body()).getAsJsonArray();
      assertThat(top.get(0).getAsJsonObject().get("className").getAsString()).as(r.body()).isEqualTo("9");

      String status2 = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
      assertThat(status2).as("the entrypoint runs as the image's user")
          .containsPattern("(?m)^Uid:\\s+" + user.split(":")[0] + "\\s")
          .containsPattern("(?m)^Name:\\s+java");

      server.destroy();
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      assertThat(server.exitValue()).as(tail(log)).isEqualTo(143);
      assertThat(Files.readString(log)).contains("Model digits").doesNotContain("Read-only file system");
    } finally {
      if (server.isAlive()) {
        server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    // keep only server.log: the unpacked tree and the layer blobs are as big as the image
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().equals("server.log")).collect(Collectors.toList())) {
        run("rm", "-rf", f.toString());
      }
    }
  }

  /** Extracts one layer over the tree, then applies its whiteouts ({@code .wh.NAME} deletes NAME below it). */
  private static void unpackLayer(Path layer, Path rootfs) throws Exception {
    run("tar", "-xf", layer.toString(), "-C", rootfs.toString(), "--numeric-owner", "--same-permissions",
        "--warning=no-unknown-keyword");
    List<Path> whiteouts;
    try (Stream<Path> all = Files.walk(rootfs)) {
      whiteouts = all.filter(p -> p.getFileName().toString().startsWith(".wh.")).collect(Collectors.toList());
    }
    for (Path w : whiteouts) {
      String name = w.getFileName().toString().substring(4);
      if (!name.equals(".wh..opq")) {
        run("rm", "-rf", w.resolveSibling(name).toString());
      }
      Files.delete(w);
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      fail(String.join(" ", command) + " failed:\n" + out);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
