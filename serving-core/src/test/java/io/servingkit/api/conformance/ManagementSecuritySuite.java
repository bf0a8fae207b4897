package io.servingkit.api.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.servingkit.ModelServer;
import io.servingkit.RegistrationPolicy;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.ServingApi;
import io.servingkit.api.TokenAuthorization;
import io.servingkit.testing.ThreadLeaks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Attacks on the management API, each answered and then followed by a known request that must still work: token
 * authorization (TorchServe's key file), cross-origin calls, what a registration may fetch ({@code allowed_urls},
 * loopback/link-local/private hosts, redirects), model names that climb out of their folder, custom code, hostile
 * and oversized archives. Written once; each adapter runs it by implementing {@link #newServerUnderTest()}.
 *
 * <p>Real parts: the adapter's HTTP listener on loopback, a real {@link ModelServer} (models served by {@link
 * ConformanceModeProvider}), and the JDK's own HTTP server as the remote model host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ManagementSecuritySuite {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String EVIL = "https://evil.example";
  private static final String ADMIN = "https://admin.example";

  private final ConformanceModeProvider modes = new ConformanceModeProvider();
  private final List<ServingApi> apis = new ArrayList<>();
  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T12:00:00Z"));
  private Path root;
  private Path store;
  private Path outside;
  private Path keyFile;
  private ModelServer server;
  private ServerUnderTest sut;
  private TokenAuthorization tokens;
  private URI secured;
  private URI open;
  private HttpServer remote;
  private final AtomicInteger remoteHits = new AtomicInteger();
  private HttpClient http;

  /** The adapter under test. */
  protected abstract ServerUnderTest newServerUnderTest();

  @BeforeAll
  void startServers() throws Exception {
    root = Files.createTempDirectory("servingkit-security-").toRealPath();
    store = Files.createDirectories(root.resolve("store"));
    outside = Files.createDirectories(root.resolve("outside"));
    echoModel(store.resolve("stored"));
    echoModel(store.resolve("again"));
    echoModel(outside.resolve("elsewhere"));
    server =
        ModelServer.builder()
            .addModeProvider(modes)
            .workDir(root.resolve("work"))
            .maxExtractedBytes(8L << 20)
            .maxArchiveEntries(100)
            .model("echo=" + store.resolve("stored").toUri())
            .build();
    keyFile = root.resolve("keys/key_file.json");
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now.get();
          }
        };
    tokens = TokenAuthorization.create(Duration.ofMinutes(60), keyFile, clock);
    sut = newServerUnderTest();
    secured =
        start(
            ApiConfig.builder()
                .tokenAuthorization(tokens)
                .managementAllowedOrigins(List.of(ADMIN))
                .corsAllowedOrigin("*")
                .registrationPolicy(RegistrationPolicy.builder().modelStore(store).customCode(false).build())
                .build());
    open =
        start(
            ApiConfig.builder()
                .corsAllowedOrigin("*")
                .registrationPolicy(RegistrationPolicy.builder().modelStore(store).build())
                .build());
    remote = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    remote.createContext(
        "/",
        exchange -> {
          remoteHits.incrementAndGet();
          String path = exchange.getRequestURI().getPath();
          if (path.startsWith("/redirect-to/")) {
            exchange.getResponseHeaders().add("Location", "http://" + path.substring("/redirect-to/".length()));
            exchange.sendResponseHeaders(302, -1);
          } else if (path.equals("/model.zip") || path.equals("/code.zip")) {
            byte[] zip =
                path.equals("/model.zip")
                    ? zip(Map.of("m/serving.properties", echoProperties()))
                    : zip(Map.of("m/serving.properties", echoProperties(), "m/model.py", "import os\n"));
            exchange.sendResponseHeaders(200, zip.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(zip);
            }
          } else {
            exchange.sendResponseHeaders(404, -1);
          }
          exchange.close();
        });
    remote.start();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  }

  @AfterAll
  void stopServers() throws Exception {
    try {
      if (remote != null) {
        remote.stop(0);
      }
      if (sut != null) {
        sut.close();
      }
    } finally {
      apis.forEach(ServingApi::close);
      if (server != null) {
        server.close();
      }
    }
    ThreadLeaks.assertNoneLeft();
  }

  // ---------------------------------------------------------------- token authorization

  @Test
  void keyFileHoldsTorchServesThreeKeysForItsOwnerOnly() throws Exception {
    JsonObject keys = JsonParser.parseString(Files.readString(keyFile)).getAsJsonObject();
    assertThat(keys.getAsJsonObject("management").get("key").getAsString()).isEqualTo(tokens.managementKey());
    assertThat(keys.getAsJsonObject("inference").get("key").getAsString()).isEqualTo(tokens.inferenceKey());
    assertThat(keys.getAsJsonObject("API").get("key").getAsString()).isEqualTo(tokens.apiKey());
    assertThat(keys.getAsJsonObject("management").get("expiration time").getAsString())
        .isEqualTo(Instant.parse(keys.getAsJsonObject("management").get("expiration time").getAsString()).toString());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
    assertThat(tokens.managementKey()).isNotEqualTo(tokens.inferenceKey()).hasSizeGreaterThanOrEqualTo(32);
  }

  @Test
  void managementWithoutItsKeyIsRefused401AndRegistersNothing() throws Exception {
    String register = "/models?url=" + enc(store.resolve("again").toUri()) + "&model_name=again";
    for (Map<String, String> headers :
        List.of(
            Map.<String, String>of(),
            Map.of("Authorization", "Bearer wrong"),
            Map.of("Authorization", "Bearer " + tokens.inferenceKey()),
            Map.of("Authorization", "Basic " + tokens.managementKey()))) {
      HttpResponse<String> r = send(secured, "POST", register, headers, null);
      assertError(r, 401, "UnauthorizedException");
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(send(secured, "GET", "/models", headers, null).statusCode()).isEqualTo(401);
    }
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("again"));
    HttpResponse<String> listed = send(secured, "GET", "/models", management(), null);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.body()).contains("\"echo\"");
  }

  @Test
  void inferenceNeedsTheInferenceKeyButPingAndMetricsDoNot() throws Exception {
    assertError(send(secured, "POST", "/predictions/echo", Map.of(), bytes("x")), 401, "UnauthorizedException");
    assertError(send(secured, "POST", "/predictions/echo", management(), bytes("x")), 401, "UnauthorizedException");
    assertError(send(secured, "POST", "/models/echo/invoke", Map.of(), bytes("x")), 401, "UnauthorizedException");
    HttpResponse<String> ok = send(secured, "POST", "/predictions/echo", inference(), bytes("known"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("known");
    assertThat(send(secured, "GET", "/ping", Map.of(), null).statusCode()).isEqualTo(200);
    assertThat(send(secured, "GET", "/metrics", Map.of(), null).statusCode()).isEqualTo(200);
  }

  @Test
  void theApiKeyRenewsAKeyAndTheOldOneStopsWorking() throws Exception {
    TokenAuthorization own = TokenAuthorization.create(Duration.ofMinutes(5), root.resolve("renew/key_file.json"));
    URI uri = start(ApiConfig.builder().tokenAuthorization(own).build());
    String old = own.inferenceKey();
    assertError(send(uri, "GET", "/token?type=inference", Map.of("Authorization", "Bearer " + old), null), 401,
        "UnauthorizedException");
    HttpResponse<String> renewed =
        send(uri, "GET", "/token?type=inference", Map.of("Authorization", "Bearer " + own.apiKey()), null);
    assertThat(renewed.statusCode()).isEqualTo(200);
    String fresh = JsonParser.parseString(renewed.body()).getAsJsonObject().getAsJsonObject("inference").get("key")
        .getAsString();
    assertThat(fresh).isEqualTo(own.inferenceKey()).isNotEqualTo(old);
    assertThat(Files.readString(root.resolve("renew/key_file.json"))).contains(fresh).doesNotContain(old);
    assertThat(send(uri, "POST", "/predictions/echo", Map.of("Authorization", "Bearer " + old), bytes("x")).statusCode())
        .isEqualTo(401);
    assertThat(send(uri, "POST", "/predictions/echo", Map.of("Authorization", "Bearer " + fresh), bytes("x")).body())
        .isEqualTo("x");
    assertError(send(uri, "GET", "/token?type=API", Map.of("Authorization", "Bearer " + own.apiKey()), null), 400,
        "BadRequestException");
  }

  @Test
  void anExpiredKeyIsRefusedUntilRenewed() throws Exception {
    TokenAuthorization fixed =
        TokenAuthorization.create(Duration.ofMinutes(60), null, Clock.fixed(now.get(), ZoneOffset.UTC));
    assertThat(send(secured, "POST", "/predictions/echo", inference(), bytes("x")).statusCode()).isEqualTo(200);
    Instant start = now.get();
    try {
      now.set(start.plus(Duration.ofMinutes(61)));
      assertError(send(secured, "POST", "/predictions/echo", inference(), bytes("x")), 401, "UnauthorizedException");
      assertError(send(secured, "GET", "/models", management(), null), 401, "UnauthorizedException");
    } finally {
      now.set(start);
    }
    assertThat(send(secured, "GET", "/models", management(), null).statusCode()).isEqualTo(200);
    assertThat(fixed.keyFileJson()).contains("\"expiration time\": \"2026-12-04T13:00:00Z\"");
  }

  // ---------------------------------------------------------------- origins and CORS

  @Test
  void aCrossOriginSimpleRequestCannotRegisterOrDelete() throws Exception {
    byte[] form = ("url=" + enc(store.resolve("again").toUri()) + "&model_name=again").getBytes(StandardCharsets.UTF_8);
    Map<String, String> simple = Map.of("Content-Type", "application/x-www-form-urlencoded", "Origin", EVIL);
    HttpResponse<String> r = send(open, "POST", "/models", simple, form);
    assertError(r, 403, "ForbiddenException");
    assertThat(r.body()).contains("Origin https://evil.example is not allowed");
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertError(send(open, "POST", "/models", Map.of("Content-Type", "text/plain", "Origin", "null"), form), 403,
        "ForbiddenException");
    assertError(send(open, "DELETE", "/models/echo", Map.of("Origin", EVIL), null), 403, "ForbiddenException");
    assertError(send(open, "PUT", "/models/echo?min_worker=0", Map.of("Origin", EVIL), null), 403, "ForbiddenException");
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("again"));
    assertThat(send(open, "POST", "/predictions/echo", Map.of(), bytes("still")).body()).isEqualTo("still");
  }

  @Test
  void corsHeadersGoOnInferenceAnswersNeverOnManagementOnes() throws Exception {
    HttpResponse<String> predict = send(open, "POST", "/predictions/echo", Map.of("Origin", EVIL), bytes("x"));
    assertThat(predict.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    HttpResponse<String> list = send(open, "GET", "/models", Map.of(), null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> allowed = send(secured, "GET", "/models", withOrigin(management(), ADMIN), null);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertError(send(secured, "GET", "/models", withOrigin(management(), EVIL), null), 403, "ForbiddenException");
  }

  // ---------------------------------------------------------------- what a registration may fetch

  @Test
  void fileUrlsOutsideTheModelStoreAreRefused() throws Exception {
    for (String url :
        List.of(
            outside.resolve("elsewhere").toUri().toString(),
            "file:" + store + "/../outside/elsewhere",
            outside.resolve("elsewhere").toString(),
            "file:/etc")) {
      HttpResponse<String> r = register(open, url, "refused");
      assertError(r, 400, "BadRequestException");
      assertThat(r.body()).contains("model store");
    }
    Path link = store.resolve("link-out");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, outside.resolve("elsewhere"));
    assertError(register(open, link.toUri().toString(), "refused"), 400, "BadRequestException");
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("refused"));
    HttpResponse<String> inside = register(open, store.resolve("again").toUri().toString(), "inside");
    assertThat(inside.statusCode()).isEqualTo(200);
    assertThat(send(open, "DELETE", "/models/inside", Map.of(), null).statusCode()).isEqualTo(200);
  }

  @Test
  void loopbackLinkLocalAndPrivateHostsAreRefusedBeforeAnyRequest() throws Exception {
    int before = remoteHits.get();
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("http://127.0.0.1:" + remote.getAddress().getPort() + "/model.zip", "loopback");
    cases.put("http://localhost:" + remote.getAddress().getPort() + "/model.zip", "loopback");
    cases.put("http://169.254.169.254/latest/meta-data/model.zip", "link-local");
    cases.put("http://10.1.2.3/model.zip", "private");
    cases.put("http://192.168.0.1/model.zip", "private");
    cases.put("http://[::1]:" + remote.getAddress().getPort() + "/model.zip", "loopback");
    cases.put("http://[::ffff:127.0.0.1]/model.zip", "loopback");
    cases.put("http://0.0.0.0/model.zip", "unspecified");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> r = register(open, c.getKey(), "ssrf");
      assertError(r, 400, "BadRequestException");
      assertThat(r.body()).as(c.getKey()).contains(c.getValue() + " address");
    }
    for (String url : List.of("ftp://example.com/m.zip", "jar:file:/x.jar!/m", "classpath:m", "gopher://x/")) {
      assertError(register(open, url, "ssrf"), 400, "BadRequestException");
    }
    assertThat(remoteHits.get()).isEqualTo(before);
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("ssrf"));
  }

  @Test
  void allowedUrlsBoundDownloadsAndEveryRedirectIsCheckedAgain() throws Exception {
    String host = "127.0.0.1:" + remote.getAddress().getPort();
    URI allowed =
        start(
            ApiConfig.builder()
                .registrationPolicy(
                    RegistrationPolicy.builder().allowedUrls("http://127\\.0\\.0\\.1:\\d+/(model\\.zip|redirect-to/127\\.0\\.0\\.1:\\d+/model\\.zip)").build())
                .build());
    HttpResponse<String> direct = register(allowed, "http://" + host + "/model.zip", "downloaded");
    assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
    assertThat(send(allowed, "POST", "/predictions/downloaded", Map.of(), bytes("d")).body()).isEqualTo("d");
    assertThat(send(allowed, "DELETE", "/models/downloaded", Map.of(), null).statusCode()).isEqualTo(200);

    HttpResponse<String> followed =
        register(allowed, "http://" + host + "/redirect-to/" + host + "/model.zip", "followed");
    assertThat(followed.statusCode()).as(followed.body()).isEqualTo(200);
    assertThat(send(allowed, "DELETE", "/models/followed", Map.of(), null).statusCode()).isEqualTo(200);

    // the first hop matches allowed_urls, the redirect's target does not
    URI hop =
        start(
            ApiConfig.builder()
                .registrationPolicy(RegistrationPolicy.builder().allowedUrls("http://127\\.0\\.0\\.1:\\d+/redirect-to/.*").build())
                .build());
    int before = remoteHits.get();
    HttpResponse<String> refused = register(hop, "http://" + host + "/redirect-to/169.254.169.254/model.zip", "hop");
    assertError(refused, 400, "BadRequestException");
    assertThat(refused.body()).contains("redirects to a location that is not allowed");
    assertThat(remoteHits.get()).isEqualTo(before + 1);
    assertError(register(hop, "http://" + host + "/model.zip", "hop"), 400, "BadRequestException");
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("hop"));
  }

  // ---------------------------------------------------------------- names and paths

  @Test
  void namesFollowDjlsCharactersAndCannotClimbOut() throws Exception {
    String url = store.resolve("again").toUri().toString();
    for (String name : List.of("../../trav", "a/b", "..", ".hidden", "x y", "née", "a\\b", "%2e%2e", "-rf")) {
      HttpResponse<String> r = register(open, url, name);
      assertError(r, 400, "BadRequestException");
      assertThat(r.body()).contains("a model name starts with an ASCII letter");
    }
    try (Stream<Path> work = Files.list(root)) {
      assertThat(work.map(p -> p.getFileName().toString())).doesNotContain("trav");
    }
    assertThat(root.getParent().resolve("trav")).doesNotExist();
    HttpResponse<String> v = send(open, "POST", "/models?url=" + enc(url) + "&model_name=v&model_version=../x", Map.of(),
        null);
    assertError(v, 400, "BadRequestException");
    assertThat(register(open, url, "good-name_1.2").statusCode()).isEqualTo(200);
    assertThat(send(open, "DELETE", "/models/good-name_1.2", Map.of(), null).statusCode()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- custom code

  @Test
  void withoutCustomCodeModelsBringingCodeAreRefused() throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("py", "model.py");
    files.put("req", "requirements.txt");
    files.put("src", "libs/classes/Evil.java");
    files.put("jar", "libs/evil.jar");
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path dir = echoModel(store.resolve("code_" + f.getKey()));
      Path file = dir.resolve(f.getValue());
      Files.createDirectories(file.getParent());
      Files.writeString(file, "import os\n");
      HttpResponse<String> r =
          send(secured, "POST", "/models?url=" + enc(dir.toUri()) + "&model_name=code", management(), null);
      assertError(r, 400, "BadRequestException");
      String named = f.getValue().startsWith("libs/classes") ? "libs/classes" : f.getValue();
      assertThat(r.body()).contains(named).contains("no custom code");
    }
    Path clean = store.resolve("again");
    for (String option : List.of("option.pythonExecutable=/bin/sh", "option.entryPoint=/tmp/x.py", "option.env=LD_PRELOAD%3D/x.so")) {
      HttpResponse<String> r =
          send(secured, "POST", "/models?url=" + enc(clean.toUri() + "?" + option) + "&model_name=code", management(), null);
      assertError(r, 400, "BadRequestException");
      assertThat(r.body()).contains(option.substring(0, option.indexOf('=')));
    }
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("code"));
    HttpResponse<String> ok =
        send(secured, "POST", "/models?url=" + enc(clean.toUri()) + "&model_name=clean", management(), null);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(send(secured, "DELETE", "/models/clean", management(), null).statusCode()).isEqualTo(200);
  }

  /**
   * {@code allow_custom_code} unset (every adapter's default): a client connecting from a non-loopback address
   * without the management key cannot register a model that brings code, from an archive downloaded over real HTTP or
   * a folder with a code-bearing option; the same registration from loopback, with the management key, or with
   * {@code allow_custom_code=true} loads.
   */
  @Test
  void byDefaultOnlyLoopbackOrKeyedClientsRegisterCode() throws Exception {
    String host = nonLoopbackAddress();
    Assumptions.assumeTrue(host != null, "this machine has no non-loopback IPv4 address to connect from");
    String code = "http://127.0.0.1:" + remote.getAddress().getPort() + "/code.zip";
    String allowedUrls = "http://127\\.0\\.0\\.1:\\d+/code\\.zip, file:" + Pattern.quote(store.toString()) + "/.*";
    ServingConfig defaults = ServingConfig.builder().set("allowed_urls", allowedUrls, "test").build();
    assertThat(ApiConfig.from(defaults, ApiConfig.Endpoints.ALL).registrationPolicy().customCode())
        .isEqualTo(RegistrationPolicy.CustomCode.TRUSTED_CALLERS);
    ApiConfig byDefault = ApiConfig.from(defaults, ApiConfig.Endpoints.ALL);

    URI fromRemote = start(byDefault, host);
    assertThat(fromRemote.getHost()).isEqualTo(host);
    HttpResponse<String> refused = register(fromRemote, code, "coded");
    assertError(refused, 400, "BadRequestException");
    assertThat(refused.body()).contains("model.py").contains("allow_custom_code").contains("management key");
    String withOption = store.resolve("again").toUri() + "?option.entryPoint=/tmp/x.py";
    HttpResponse<String> option = register(fromRemote, withOption, "coded");
    assertError(option, 400, "BadRequestException");
    assertThat(option.body()).contains("option.entryPoint").contains("allow_custom_code");
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("coded"));
    HttpResponse<String> clean = register(fromRemote, store.resolve("again").toUri().toString(), "plain");
    assertThat(clean.statusCode()).as(clean.body()).isEqualTo(200);
    assertThat(send(fromRemote, "POST", "/predictions/plain", Map.of(), bytes("remote")).body()).isEqualTo("remote");
    assertThat(send(fromRemote, "DELETE", "/models/plain", Map.of(), null).statusCode()).isEqualTo(200);

    URI fromLoopback = start(byDefault);
    loadsAndUnloads(fromLoopback, code, Map.of());
    URI keyed =
        start(ApiConfig.builder(defaults, ApiConfig.Endpoints.ALL, byDefault.bodyBudget()).tokenAuthorization(tokens).build(),
            host);
    assertError(register(keyed, code, "coded"), 401, "UnauthorizedException");
    loadsAndUnloads(keyed, code, management());
    ServingConfig allowAll =
        ServingConfig.builder().set("allowed_urls", allowedUrls, "test").set("allow_custom_code", "true", "test").build();
    loadsAndUnloads(start(ApiConfig.from(allowAll, ApiConfig.Endpoints.ALL), host), code, Map.of());
    ServingConfig refuseAll =
        ServingConfig.builder().set("allowed_urls", allowedUrls, "test").set("allow_custom_code", "false", "test").build();
    HttpResponse<String> never = register(start(ApiConfig.from(refuseAll, ApiConfig.Endpoints.ALL)), code, "coded");
    assertError(never, 400, "BadRequestException");
    assertThat(JsonParser.parseString(never.body()).getAsJsonObject().get("message").getAsString())
        .contains("allow_custom_code=false");
    assertThat(server.list()).noneMatch(d -> d.modelName().equals("coded"));
  }

  private void loadsAndUnloads(URI base, String url, Map<String, String> headers) throws Exception {
    HttpResponse<String> r = send(base, "POST", "/models?url=" + enc(url) + "&model_name=coded", headers, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(send(base, "POST", "/predictions/coded", headers.isEmpty() ? Map.of() : inference(), bytes("c")).body())
        .isEqualTo("c");
    assertThat(send(base, "DELETE", "/models/coded", headers, null).statusCode()).isEqualTo(200);
  }

  /** An IPv4 address of an interface of this machine that is up and not loopback or link-local, or null. */
  private static String nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return a.getHostAddress();
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- hostile and oversized archives

  @Test
  void hostileAndOversizedArchivesAre400AndLeaveNothingOnDisk() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    Path slip = store.resolve("slip.zip");
    Files.write(slip, zip(Map.of("../../escaped.txt", "x", "serving.properties", echoProperties())));
    cases.put(slip.toUri().toString(), "zip-slip");
    Path big = store.resolve("big.zip");
    Files.write(big, zip(Map.of("serving.properties", echoProperties(), "weights.bin", "0".repeat(9 << 20))));
    cases.put(big.toUri().toString(), "max_extracted_size");
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 150; i++) {
      many.put("f" + i + ".txt", "x");
    }
    Path crowded = store.resolve("crowded.zip");
    Files.write(crowded, zip(many));
    cases.put(crowded.toUri().toString(), "max_archive_entries");
    Path notZip = store.resolve("garbage.zip");
    Files.writeString(notZip, "this is not a zip");
    cases.put(notZip.toUri().toString(), "not a valid zip");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> r = register(open, c.getKey(), "hostile");
      assertError(r, 400, "BadRequestException");
      assertThat(r.body()).contains(c.getValue());
    }
    assertThat(root.getParent().resolve("escaped.txt")).doesNotExist();
    try (Stream<Path> cache = Files.walk(root.resolve("work"))) {
      assertThat(cache.filter(Files::isRegularFile).map(Path::toString)).noneMatch(p -> p.contains("weights.bin")
          || p.contains("f1.txt") || p.contains("escaped"));
    }
    assertThat(send(open, "POST", "/predictions/echo", Map.of(), bytes("alive")).body()).isEqualTo("alive");
  }

  // ---------------------------------------------------------------- helpers

  private URI start(ApiConfig config) throws Exception {
    return start(config, "127.0.0.1");
  }

  private URI start(ApiConfig config, String host) throws Exception {
    ServingApi api = new ServingApi(server, config);
    apis.add(api);
    return sut.start(api, host);
  }

  private HttpResponse<String> register(URI base, String url, String name) throws Exception {
    return send(base, "POST", "/models?url=" + enc(url) + "&model_name=" + enc(name), Map.of(), null);
  }

  private Map<String, String> management() {
    return Map.of("Authorization", "Bearer " + tokens.managementKey());
  }

  private Map<String, String> inference() {
    return Map.of("Authorization", "Bearer " + tokens.inferenceKey());
  }

  private static Map<String, String> withOrigin(Map<String, String> headers, String origin) {
    Map<String, String> m = new LinkedHashMap<>(headers);
    m.put("Origin", origin);
    return m;
  }

  private static Path echoModel(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("serving.properties"), echoProperties());
    return dir;
  }

  private static String echoProperties() {
    return "engine=Python\n" + ConformanceModeProvider.BEHAVIOUR + "=echo\n";
  }

  private static byte[] zip(Map<String, String> entries) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static String enc(Object s) {
    return URLEncoder.encode(s.toString(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private HttpResponse<String> send(URI base, String method, String path, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(WAIT)
            .method(
                method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> r, int status, String type) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(body.get("code").getAsInt()).isEqualTo(status);
    assertThat(body.get("type").getAsString()).isEqualTo(type);
    assertThat(body.get("message").getAsString()).isNotBlank();
  }
}
