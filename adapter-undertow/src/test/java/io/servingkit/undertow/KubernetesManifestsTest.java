package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The manifests under {@code examples/kubernetes/} as a cluster would see them: each kustomization is rendered
 * by the real {@code kubectl kustomize}; every container's probes must name a declared container port, the
 * port {@code SERVING_INFERENCE_ADDRESS} listens on; then the server is started as a process with the
 * container's {@code SERVING_*} environment (listening on port 0, model store and work folder in a temp folder)
 * and every probe path and the scrape path must answer 200.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KubernetesManifestsTest {

  static final List<String> KUSTOMIZATIONS =
      List.of("base", "overlays/single", "overlays/scaled", "kserve");

  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A container of a rendered object: where it came from, its environment, probe paths and ports. */
  private record Container(
      String origin, Map<String, String> env, List<String> args, Map<String, Integer> ports, Set<String> paths) {}

  @Test
  void everyProbeNamesAPathAndPortTheServerServes() throws Exception {
    List<Container> containers = new ArrayList<>();
    Set<String> kinds = new LinkedHashSet<>();
    for (String k : KUSTOMIZATIONS) {
      for (Object doc : new Yaml().loadAll(kustomize(k))) {
        Map<String, Object> object = map(doc);
        String kind = (String) object.get("kind");
        kinds.add(kind);
        Map<String, Object> spec = map(object.get("spec"));
        if ("Deployment".equals(kind)) {
          Map<String, Object> template = map(spec.get("template"));
          Map<String, String> scrape = strings(map(map(template.get("metadata")).get("annotations")));
          for (Object c : list(map(template.get("spec")).get("containers"))) {
            containers.add(container(k + " Deployment", map(c), scrape.get("prometheus.io/path")));
          }
        } else if ("ClusterServingRuntime".equals(kind)) {
          assertThat(new ArrayList<Object>(list(spec.get("protocolVersions")))).containsExactly("v2");
          String path = strings(map(spec.get("annotations"))).get("prometheus.kserve.io/path");
          for (Object c : list(spec.get("containers"))) {
            containers.add(container(k + " ClusterServingRuntime", map(c), path));
          }
        }
      }
    }
    assertThat(kinds)
        .contains("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ClusterServingRuntime",
            "InferenceService");
    assertThat(containers).hasSize(4);

    // what a storage initializer leaves in /mnt/models: a model store (Deployment) or one model folder (KServe)
    Path hold = Files.createDirectories(dir.resolve("hold"));
    String properties = "engine=Python\nhold.dir=" + hold.toString().replace("\\", "/") + "\n";
    Path store = Files.createDirectories(dir.resolve("store"));
    Files.writeString(Files.createDirectories(store.resolve("held")).resolve("serving.properties"), properties);
    Path folder = Files.createDirectories(dir.resolve("folder"));
    Files.writeString(folder.resolve("serving.properties"), properties);
    for (Container c : containers) {
      String mount = (c.origin().endsWith("ClusterServingRuntime") ? folder : store).toString();
      Map<String, String> env = new LinkedHashMap<>();
      c.env().forEach((k, v) -> env.put(k, v.replace("/mnt/models", mount)));
      URI declared = URI.create(env.get("SERVING_INFERENCE_ADDRESS"));
      assertThat(c.ports().values()).as(c.origin() + " probes the port the server listens on").containsOnly(declared.getPort());
      env.put("SERVING_INFERENCE_ADDRESS", "http://127.0.0.1:0");
      env.put("SERVING_WORK_DIR", dir.resolve("work").toString());
      String[] args =
          c.args().stream().map(a -> a.replace("{{.Name}}", "held").replace("/mnt/models", mount)).toArray(String[]::new);
      try (ServerProcess p = ServerProcess.java(dir, env, args)) {
        URI base = p.awaitAddresses().get(0);
        for (String path : c.paths()) {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(c.origin() + " GET " + path + ": " + r.body()).isEqualTo(200);
        }
        assertThat(p.stdout()).contains("Models: held");
      }
    }
  }

  private static Container container(String origin, Map<String, Object> c, String scrapePath) {
    Map<String, Integer> named = new LinkedHashMap<>();
    for (Object p : list(c.get("ports"))) {
      Map<String, Object> port = map(p);
      named.put(String.valueOf(port.getOrDefault("name", port.get("containerPort"))), (Integer) port.get("containerPort"));
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : list(c.get("env"))) {
      env.put((String) map(e).get("name"), String.valueOf(map(e).get("value")));
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    Set<String> paths = new LinkedHashSet<>();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      if (c.get(probe) == null) {
        continue;
      }
      Map<String, Object> get = map(map(c.get(probe)).get("httpGet"));
      Object port = get.get("port");
      Integer number = port instanceof Integer i ? i : named.get(port);
      assertThat(number).as(origin + " " + probe + " port " + port + " is a declared container port").isNotNull();
      assertThat(named.values()).as(origin + " " + probe).contains(number);
      ports.put(probe, number);
      paths.add((String) get.get("path"));
    }
    assertThat(ports).as(origin + " has liveness and readiness probes").containsKeys("livenessProbe", "readinessProbe");
    assertThat(scrapePath).as(origin + " scrape path").isNotNull();
    paths.add(scrapePath);
    List<String> args = list(c.get("args")).stream().map(String::valueOf).toList();
    return new Container(origin, env, args, ports, paths);
  }

  /** The kustomization rendered by {@code kubectl kustomize}; aborts the test when no kubectl with kustomize 4+ runs. */
  static String kustomize(String kustomization) throws IOException, InterruptedException {
    String version;
    try {
      version = run(List.of("kubectl", "version", "--client"));
    } catch (IOException e) {
      version = "";
    }
    if (!version.matches("(?s).*Kustomize Version: v[4-9].*")) {
      // Debian's kubernetes-client (1.20) embeds kustomize 2, which cannot read these kustomizations
      System.err.println("\n*** KubernetesManifestsTest SKIPPED: no kubectl with kustomize 4+ on PATH ('" + version.trim()
          + "'); the manifests under examples/kubernetes were NOT checked ***\n");
      Assumptions.abort("no kubectl with kustomize 4+");
    }
    Path folder = ServingKitCliTest.repoRoot().resolve("examples/kubernetes").resolve(kustomization);
    return run(List.of("kubectl", "kustomize", folder.toString()));
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  private static Map<String, String> strings(Map<String, Object> m) {
    Map<String, String> s = new LinkedHashMap<>();
    m.forEach((k, v) -> s.put(k, String.valueOf(v)));
    return s;
  }

  private static List<?> list(Object o) {
    return o == null ? List.of() : (List<?>) o;
  }
}
