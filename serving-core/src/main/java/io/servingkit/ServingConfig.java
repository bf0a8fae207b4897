package io.servingkit;

import io.servingkit.internal.config.Durations;
import io.servingkit.internal.config.EnvironmentNames;
import io.servingkit.internal.config.Values;
import io.servingkit.internal.loading.Devices;
import io.servingkit.internal.source.ModelStore;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ServingKit's server configuration: every server-level setting (the keys of DJL Serving's
 * {@code config.properties}, plus ServingKit's own), read from any source into one typed, validated, immutable
 * value. The standalone server, the servlet listener and {@link ModelServer.Builder} all build one of these; a
 * Spring application binds its {@code servingkit.*} properties into one the same way.
 *
 * <p><b>Sources and precedence</b> (highest first): explicit values ({@link Builder#set}: builder calls and
 * command-line flags) &gt; servlet context init-parameters ({@code servingkit.<key>}) &gt; environment
 * variables ({@code SERVING_<KEY>}, {@code OPTION_<X>}, {@code ARGS_<X>}) &gt; properties
 * ({@code config.properties}) &gt; the host's defaults (such as the WAR's {@code /WEB-INF/models}) &gt; the
 * built-in defaults listed on each {@link Setting}. Within one source the last value given wins. An empty
 * value means "unset": the next source down, or the default, applies.
 *
 * <p><b>Keys.</b> Each setting is a {@code public static final} {@link Setting} of this class, with its key,
 * type, default and meaning; {@link #settings()} lists them. Besides them a source may give <i>model
 * defaults</i>: {@code option.*} keys and the keys of {@code serving.properties} ({@code minWorkers},
 * {@code retry_threshold}, ...), which every model inherits where its own {@code serving.properties} is silent
 * ({@link #modelDefaults()}); {@code OPTION_<X>} / {@code ARGS_<X>} variables and
 * {@link Builder#modelDefault} give any model key. DJL Serving keys that ServingKit has no use for
 * ({@code number_of_netty_threads}, ...) are logged and ignored. Any other key is an error naming it and its
 * source — except a {@code SERVING_*} environment variable, which is logged and ignored, since a process
 * environment is shared (Kubernetes, for one, adds {@code <SERVICE>_PORT} variables for every service).
 *
 * <p><b>Values.</b> A malformed value is an {@link InvalidSpecException} naming key, value and source:
 * {@code batch_size=oops (from environment variable SERVING_BATCH_SIZE): not a whole number}. Durations take
 * the key's own unit (DJL's) or an explicit one ({@code max_idle_time=500ms}) and are never rounded.
 *
 * <p>Adding a setting: declare one more {@code public static final Setting} here and list it in
 * {@code SETTINGS}; every source, the precedence, validation and the error messages come with it. A
 * {@link Scope#MODEL_DEFAULT} setting reaches every model without further code.
 *
 * <p>Threading: immutable and safe to share; {@link Builder} is not thread-safe.
 */
public final class ServingConfig {

  private static final Logger LOG = LoggerFactory.getLogger(ServingConfig.class);

  /** Prefix of ServingKit's keys among a servlet context's init-parameters (and a Spring application's properties). */
  public static final String PREFIX = "servingkit.";

  /** Who applies a setting. */
  public enum Scope {
    /** A default for every model (a {@code serving.properties} key); a model's own value wins. */
    MODEL_DEFAULT,
    /** The model server or its REST API, wherever it runs. */
    SERVER,
    /** Only the standalone server (its listeners). */
    STANDALONE,
    /** Only the servlet listener. */
    SERVLET
  }

  /** A listener address: host and port, and whether it is served over TLS ({@code https://}). */
  public record Address(String host, int port, boolean tls) {
    /** A plain {@code http://} address. */
    public Address(String host, int port) {
      this(host, port, false);
    }

    @Override
    public String toString() {
      return (tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The settings: the one place a server-level setting is declared.
  // ---------------------------------------------------------------------------------------------------------

  /** Jobs a model may have unanswered (queued or running) before new ones are refused with 503. */
  public static final Setting<Integer> JOB_QUEUE_SIZE =
      integer("job_queue_size", Scope.MODEL_DEFAULT, 1000, 1, "jobs a model may have unanswered before new ones get 503");

  /** Dynamic batch size. */
  public static final Setting<Integer> BATCH_SIZE =
      integer("batch_size", Scope.MODEL_DEFAULT, 1, 1, "dynamic batch size");

  /** How long a batch waits to fill, from its first job's arrival. */
  public static final Setting<Duration> MAX_BATCH_DELAY =
      duration("max_batch_delay", Scope.MODEL_DEFAULT, Duration.ofMillis(100), ChronoUnit.MILLIS, false,
          "how long a batch waits to fill, from its first job");

  /** Idle time after which an extra worker (above the minimum) retires. */
  public static final Setting<Duration> MAX_IDLE_TIME =
      duration("max_idle_time", Scope.MODEL_DEFAULT, Duration.ofSeconds(60), ChronoUnit.SECONDS, false,
          "idle time before an extra worker retires");

  /** Devices to load each model on. */
  public static final Setting<String> LOAD_ON_DEVICES =
      new Setting<>("load_on_devices", "devices", Scope.MODEL_DEFAULT, "*", "`*`",
          "`;`-separated devices (`cpu`, `gpu0;gpu1`, `*` = every GPU, else the CPU)",
          (text, locate) -> {
            try {
              Devices.parse(text.replace("*", "cpu"), Integer.MAX_VALUE); // the syntax; the host's GPUs come later
            } catch (InvalidSpecException e) {
              throw new IllegalArgumentException(reason("load_on_devices", e.getMessage()));
            }
            return text;
          },
          Function.identity());

  /** Memory (MB) that must stay free after a model loads. */
  public static final Setting<Integer> RESERVED_MEMORY_MB =
      integer("reserved_memory_mb", Scope.MODEL_DEFAULT, 500, 0, "MB that must stay free after a model loads (else 507)");

  /** The model store folder. */
  public static final Setting<Path> MODEL_STORE =
      folder(
          "model_store",
          true,
          "—",
          "a folder of models (each sub-folder or archive is one model), or one model folder (`serving.properties` "
              + "or a model file at its top: one model named after the folder)");

  /** Which models load at start: {@code ALL} of the store, {@code NONE}, or model entries. */
  public static final Setting<String> LOAD_MODELS =
      new Setting<>("load_models", "`ALL`, `NONE` or entries", Scope.SERVER, "ALL", "`ALL`",
          "models loaded at start: every model of `model_store`, none, or `[name][:version][:engine][:devices]=url` entries (comma or space separated)",
          (text, locate) -> {
            if (!isAllOrNone(text)) {
              entries(text, locate);
            }
            return text;
          },
          Function.identity());

  /** More models loaded at start, besides {@code load_models}. */
  public static final Setting<List<ModelSpec>> MODELS =
      new Setting<>("models", "entries", Scope.SERVER, List.of(), "—",
          "more models loaded at start besides `load_models`, entries as for `-m`",
          ServingConfig::entries,
          specs -> String.join(",", specs.stream().map(ServingConfig::entry).toList()));

  /** Threads each CPU worker uses, as OMP_NUM_THREADS tells DJL Serving. */
  public static final Setting<Integer> OMP_NUM_THREADS =
      integer("omp_num_threads", Scope.SERVER, null, 1,
          "threads per CPU worker: the default CPU `maxWorkers` becomes cores / this (unset: 2); also read from OMP_NUM_THREADS");

  /** GPUs to spread {@code load_on_devices=*} over. */
  public static final Setting<Integer> GPU_COUNT =
      integer("gpu_count", Scope.SERVER, 0, 0, "GPUs that `load_on_devices=*` spreads over");

  /** The server's private work folder. */
  public static final Setting<Path> WORK_DIR =
      folder("work_dir", false, "a new temporary folder, removed on close",
          "private work folder (worker sockets, venvs, extracted archives); created if missing, kept on close");

  /** Where archives are extracted. */
  public static final Setting<Path> CACHE_DIR =
      folder("cache_dir", false, "`work_dir`/cache", "where model archives are extracted, keyed by content");

  /** Timeout of an http(s) model download. */
  public static final Setting<Duration> DOWNLOAD_TIMEOUT =
      duration("download_timeout", Scope.SERVER, Duration.ofMinutes(5), ChronoUnit.SECONDS, false,
          "timeout of an http(s) model download");

  /** Largest http(s) model download accepted. */
  public static final Setting<Long> MAX_DOWNLOAD_BYTES =
      bytes("max_download_bytes", 10L << 30, "largest http(s) model download");

  /** Largest request body, in bytes. */
  public static final Setting<Long> MAX_REQUEST_SIZE =
      bytes("max_request_size", 64L << 20, "largest request body; larger ones get 413");

  /** {@code Access-Control-Allow-Origin} for every response. */
  public static final Setting<String> CORS_ALLOWED_ORIGIN =
      text("cors_allowed_origin", Scope.SERVER, "`Access-Control-Allow-Origin` added to every response");

  /** {@code Access-Control-Allow-Methods} for every response. */
  public static final Setting<String> CORS_ALLOWED_METHODS =
      text("cors_allowed_methods", Scope.SERVER, "`Access-Control-Allow-Methods` added to every response");

  /** {@code Access-Control-Allow-Headers} for every response. */
  public static final Setting<String> CORS_ALLOWED_HEADERS =
      text("cors_allowed_headers", Scope.SERVER, "`Access-Control-Allow-Headers` added to every response");

  /** How long a streamed answer waits for its next chunk. */
  public static final Setting<Duration> CHUNKED_READ_TIMEOUT =
      duration("chunked_read_timeout", Scope.SERVER, Duration.ofSeconds(60), ChronoUnit.SECONDS, true,
          "how long a streamed answer waits for its next chunk");

  /** Where the standalone server's inference endpoints listen. */
  public static final Setting<Address> INFERENCE_ADDRESS =
      address("inference_address", new Address("127.0.0.1", 8080), "`http://127.0.0.1:8080`",
          "where the inference endpoints listen");

  /** Where the standalone server's management endpoints listen. */
  public static final Setting<Address> MANAGEMENT_ADDRESS =
      address("management_address", null, "`inference_address`",
          "where the management endpoints listen (equal addresses share one listener)");

  /** Where the standalone server serves the Open Inference Protocol's gRPC service; not set: no gRPC listener. */
  public static final Setting<Address> GRPC_ADDRESS =
      new Setting<>("grpc_address", "host:port", Scope.STANDALONE, null, "—",
          "where the Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`, plaintext) listens; "
              + "messages up to `max_request_size`",
          (text, locate) -> parseGrpcAddress(text), a -> (a.host().contains(":") ? "[" + a.host() + "]" : a.host()) + ":" + a.port());

  /** After SIGTERM, how long the standalone server still takes new requests, its readiness already false. */
  public static final Setting<Duration> DRAIN_DELAY =
      duration("drain_delay", Scope.STANDALONE, Duration.ZERO, ChronoUnit.SECONDS, false,
          "after SIGTERM: readiness answers false at once, new requests are still served this long (so that load "
              + "balancers take the replica out first), then refused with 503");

  /** After the drain delay, how long requests in flight may take before the standalone server stops anyway. */
  public static final Setting<Duration> DRAIN_TIMEOUT =
      duration("drain_timeout", Scope.STANDALONE, Duration.ofSeconds(30), ChronoUnit.SECONDS, false,
          "after `drain_delay`: how long requests in flight may finish before the server stops anyway");

  /** At most how long the standalone server warms its HTTP path with the startup models' warm-up inputs. */
  public static final Setting<Duration> HTTP_WARMUP_TIMEOUT =
      duration("http_warmup_timeout", Scope.STANDALONE, Duration.ofSeconds(30), ChronoUnit.SECONDS, false,
          "when startup models set `warmup_inputs`: before readiness turns true, the standalone server also sends "
              + "them over loopback HTTP through its own request path (on a listener of its own, open meanwhile) "
              + "until the JIT compiler goes quiet, at most this long; `0` skips it");

  /** Memory all request bodies in flight may hold; null: a quarter of the heap, at least max_request_size. */
  public static final Setting<Long> MAX_REQUEST_BYTES_IN_FLIGHT =
      new Setting<>("max_request_bytes_in_flight", "bytes ≥ 1", Scope.SERVER, null,
          "a quarter of the heap, at least `max_request_size`",
          "memory all request bodies being received or served may hold; a body that does not fit gets 503",
          (text, locate) -> Values.whole(text, 1, Long.MAX_VALUE), String::valueOf);

  /** How long a request body may go without a byte arriving. */
  public static final Setting<Duration> REQUEST_BODY_TIMEOUT =
      duration("request_body_timeout", Scope.SERVER, Duration.ofSeconds(30), ChronoUnit.SECONDS, true,
          "how long a request body may go without a byte arriving before it is answered 408 and closed");

  /** How long a client may take to send a request head (and a connection may wait idle). */
  public static final Setting<Duration> REQUEST_HEADER_TIMEOUT =
      duration("request_header_timeout", Scope.STANDALONE, Duration.ofSeconds(30), ChronoUnit.SECONDS, true,
          "how long a request head may take from its first byte, and an idle connection may wait (a servlet"
              + " container's own connector timeout governs there)");

  /** PEM private key of an https:// address. */
  public static final Setting<Path> PRIVATE_KEY_FILE =
      file("private_key_file", "PEM private key of the `https://` addresses (PKCS#8, or PKCS#1 RSA)");

  /** PEM certificate chain of an https:// address. */
  public static final Setting<Path> CERTIFICATE_FILE =
      file("certificate_file", "PEM certificate chain of the `https://` addresses, server certificate first");

  /** Key store of an https:// address. */
  public static final Setting<Path> KEYSTORE =
      file("keystore", "key store of the `https://` addresses (instead of the PEM files)");

  /** Password of {@link #KEYSTORE}. */
  public static final Setting<String> KEYSTORE_PASS = text("keystore_pass", Scope.STANDALONE, "password of `keystore`");

  /** Type of {@link #KEYSTORE}. */
  public static final Setting<String> KEYSTORE_TYPE =
      new Setting<>("keystore_type", "key store type", Scope.STANDALONE, "PKCS12", "`PKCS12`",
          "type of `keystore` (`PKCS12`, `JKS`)", (text, locate) -> text, Function.identity());

  /** Which endpoint groups the servlet serves. */
  public static final Setting<String> ENDPOINTS =
      new Setting<>("endpoints", "`ALL`, `INFERENCE`, `MANAGEMENT`", Scope.SERVLET, "ALL", "`ALL`",
          "endpoint groups the servlet serves",
          (text, locate) -> Values.choice(text, List.of("ALL", "INFERENCE", "MANAGEMENT")),
          Function.identity());

  /** How long a servlet request may take, arrival to last byte; zero for no limit. */
  public static final Setting<Duration> ASYNC_TIMEOUT =
      duration("async_timeout", Scope.SERVLET, Duration.ofMinutes(5), ChronoUnit.MILLIS, false,
          "how long a request may take, arrival to last byte (0 = no limit)");

  /** Where the servlet listener maps the servlet; {@code none} to map it yourself. */
  public static final Setting<String> URL_PATTERN =
      new Setting<>("url_pattern", "servlet URL pattern", Scope.SERVLET, "/*", "`/*`",
          "where the listener maps the servlet; `none` to declare it yourself",
          (text, locate) -> {
            if (!text.equalsIgnoreCase("none") && !(text.startsWith("/") || text.startsWith("*."))) {
              throw new IllegalArgumentException("expected a servlet URL pattern such as /* or /serving/*, or none");
            }
            return text.equalsIgnoreCase("none") ? "none" : text;
          },
          Function.identity());

  /** Most bytes one model archive may expand to. */
  public static final Setting<Long> MAX_EXTRACTED_BYTES =
      bytes("max_extracted_bytes", 10L << 30, "most bytes one model archive may expand to; a larger one is refused (400)");

  /** Most entries one model archive may hold. */
  public static final Setting<Integer> MAX_ARCHIVE_ENTRIES =
      integer("max_archive_entries", Scope.SERVER, 10_000, 1, "most entries (files, folders, links) one model archive may hold");

  /** Most bytes an archive may expand to per byte of its own size. */
  public static final Setting<Integer> MAX_EXPANSION_RATIO =
      integer("max_expansion_ratio", Scope.SERVER, 100, 1,
          "most bytes an archive may expand to per byte of its size (checked past 16 MiB written)");

  /** Largest image, in pixels, a Java-mode model decodes. */
  public static final Setting<Integer> MAX_IMAGE_PIXELS =
      integer("max_image_pixels", Scope.MODEL_DEFAULT, 50_000_000, 1,
          "largest image (width × height, read from its header before decoding) a Java-mode model accepts; larger ones get 400");

  /** Whether requests must carry TorchServe-style keys; unset: on exactly when management listens beyond loopback. */
  public static final Setting<Boolean> DISABLE_TOKEN_AUTHORIZATION =
      new Setting<>("disable_token_authorization", "boolean", Scope.STANDALONE, null,
          "on when management listens beyond loopback",
          "`true` serves without keys, `false` requires them (`Authorization: Bearer <key>` from `key_file`) even on loopback",
          (text, locate) -> Values.bool(text), String::valueOf);

  /** How long a management or inference key is valid. */
  public static final Setting<Integer> TOKEN_EXPIRATION_MIN =
      integer("token_expiration_min", Scope.STANDALONE, 60, 1,
          "minutes a management or inference key is valid (renew with `/token?type=...` and the API key)");

  /** Where the standalone server writes its keys. */
  public static final Setting<Path> KEY_FILE =
      new Setting<>("key_file", "file", Scope.STANDALONE, Path.of("key_file.json"), "`key_file.json` (working folder)",
          "where the keys are written (owner-only), as TorchServe's `key_file.json`",
          (text, locate) -> Values.path(locate.apply(text)), Path::toString);

  /** Origins allowed to call the management API. */
  public static final Setting<String> MANAGEMENT_ALLOWED_ORIGINS =
      text("management_allowed_origins", Scope.SERVER,
          "comma-separated origins (`https://admin.example`) whose browser requests management accepts; any other `Origin` gets 403");

  /** TorchServe's allowed_urls: what the management API may register. */
  public static final Setting<String> ALLOWED_URLS =
      new Setting<>("allowed_urls", "text", Scope.SERVER, null, "—",
          "comma-separated regular expressions a URL registered over the management API must match (default: `file:` inside `model_store`, http(s) to public hosts)",
          (text, locate) -> {
            try {
              RegistrationPolicy.builder().allowedUrls(text);
            } catch (InvalidSpecException e) {
              throw new IllegalArgumentException(e.getMessage());
            }
            return text;
          },
          Function.identity());

  /**
   * Whether models registered over the management API may bring code; unset: only from a loopback client or a
   * request with the management key.
   */
  public static final Setting<Boolean> ALLOW_CUSTOM_CODE =
      new Setting<>("allow_custom_code", "boolean", Scope.SERVER, null,
          "unset: only requests from a loopback address or with the management key",
          "whether registrations over the management API may bring code (`.py`, `requirements.txt`, `libs/classes`, jars, code-bearing options): `true` from any client, `false` from none; unset, a registration from a non-loopback client without the management key is refused (400)",
          (text, locate) -> Values.bool(text), String::valueOf);

  /** Whether a startup model that cannot load fails the web application's deployment. */
  public static final Setting<Boolean> FAIL_FAST =
      new Setting<>("fail_fast", "boolean", Scope.SERVLET, false, "`false`",
          "`true` fails the deployment when a startup model cannot load; `false` logs it, lists it as FAILED and serves the others (as DJL Serving does)",
          (text, locate) -> Values.bool(text), String::valueOf);

  /** Whether each request gets an access log line (request ids and trace context in the MDC stay either way). */
  public static final Setting<Boolean> ACCESS_LOG =
      new Setting<>("access_log", "boolean", Scope.SERVER, true, "`true`",
          "one line per request on the logger `io.servingkit.access` (every adapter: the standalone server, the WAR listener, the Spring Boot starter); `false` keeps the request ids and trace context in the MDC without the line",
          (text, locate) -> Values.bool(text), String::valueOf);

  /** The access log's format. */
  public static final Setting<String> ACCESS_LOG_FORMAT =
      new Setting<>("access_log_format", "`combined`, `common`", Scope.SERVER, "combined", "`combined`",
          "format of the access log lines: `combined` (with referer and user agent) or `common`",
          (text, locate) -> {
            if (!text.equalsIgnoreCase("combined") && !text.equalsIgnoreCase("common")) {
              throw new IllegalArgumentException("expected combined or common");
            }
            return text.toLowerCase(java.util.Locale.ROOT);
          },
          Function.identity());

  /** DJL Serving's error-rate health: any failed inference answer. */
  public static final Setting<ErrorRateLimit> ERROR_RATE_ANY =
      errorRate("error_rate_any", "any failed inference answer (every kind below)");

  /** Failures the model itself answered: a failing handler (424) or an output the model gave a 5xx code. */
  public static final Setting<ErrorRateLimit> ERROR_RATE_MODEL =
      errorRate("error_rate_model", "failures the model answered itself: a failing handler (424) or an output with a 5xx code");

  /** Failures of the workers: queue full, no worker, worker died, predict timeout, out of memory (503, 507). */
  public static final Setting<ErrorRateLimit> ERROR_RATE_WORKER =
      errorRate("error_rate_worker", "worker failures: queue full, workers shut down, worker died, predict timeout (503), out of memory (507)");

  /** DJL Serving's name for worker failures (its work-load manager, "wlm"); counts what {@link #ERROR_RATE_WORKER} counts. */
  public static final Setting<ErrorRateLimit> ERROR_RATE_WLM =
      errorRate("error_rate_wlm", "as `error_rate_worker` (DJL Serving's work-load-manager name), a budget of its own");

  /** Unexpected server failures (500). */
  public static final Setting<ErrorRateLimit> ERROR_RATE_SERVER =
      errorRate("error_rate_server", "unexpected server failures (500)");

  private static final List<Setting<?>> SETTINGS =
      List.of(
          JOB_QUEUE_SIZE, BATCH_SIZE, MAX_BATCH_DELAY, MAX_IDLE_TIME, LOAD_ON_DEVICES, RESERVED_MEMORY_MB,
          MODEL_STORE, LOAD_MODELS, MODELS, OMP_NUM_THREADS, GPU_COUNT, WORK_DIR, CACHE_DIR, DOWNLOAD_TIMEOUT,
          MAX_DOWNLOAD_BYTES, MAX_REQUEST_SIZE, CORS_ALLOWED_ORIGIN, CORS_ALLOWED_METHODS, CORS_ALLOWED_HEADERS,
          CHUNKED_READ_TIMEOUT, MAX_REQUEST_BYTES_IN_FLIGHT, REQUEST_BODY_TIMEOUT, REQUEST_HEADER_TIMEOUT,
          INFERENCE_ADDRESS, MANAGEMENT_ADDRESS, GRPC_ADDRESS, PRIVATE_KEY_FILE, CERTIFICATE_FILE, KEYSTORE, KEYSTORE_PASS,
          KEYSTORE_TYPE, DRAIN_DELAY, DRAIN_TIMEOUT, HTTP_WARMUP_TIMEOUT, ENDPOINTS, ASYNC_TIMEOUT, URL_PATTERN,
          MAX_EXTRACTED_BYTES, MAX_ARCHIVE_ENTRIES, MAX_EXPANSION_RATIO, MAX_IMAGE_PIXELS, DISABLE_TOKEN_AUTHORIZATION,
          TOKEN_EXPIRATION_MIN, KEY_FILE, MANAGEMENT_ALLOWED_ORIGINS, ALLOWED_URLS, ALLOW_CUSTOM_CODE, FAIL_FAST,
          ACCESS_LOG, ACCESS_LOG_FORMAT, ERROR_RATE_ANY, ERROR_RATE_MODEL, ERROR_RATE_WORKER, ERROR_RATE_WLM, ERROR_RATE_SERVER);

  /**
   * DJL Serving {@code config.properties} keys that ServingKit accepts and ignores (logged): Netty tuning,
   * plugins, workflows.
   */
  public static final Set<String> IGNORED_DJL_KEYS =
      Set.of(
          "wait_model_loading", "allow_multi_status", "number_of_netty_threads", "netty_client_threads",
          "model_url_pattern", "plugin_folder", "use_native_io", "io_ratio", "load_workflows");

  private static final Map<String, Setting<?>> BY_KEY = byKey();

  private static final UnaryOperator<String> AS_WRITTEN = s -> s;

  // precedence layers, lowest first
  private static final int HOST_DEFAULT = 0;
  private static final int PROPERTIES = 1;
  private static final int ENVIRONMENT = 2;
  private static final int INIT_PARAMETER = 3;
  private static final int EXPLICIT = 4;

  /** One value as given: its text, where it came from, its layer, and whether any key is a model key there. */
  private record Given(String value, String source, int layer, boolean modelKey) {}

  private final Map<String, Given> given; // every key given, the winning value
  private final Map<Setting<?>, Object> values;
  private final Map<String, String> modelDefaults;
  private final UnaryOperator<String> locate;

  private ServingConfig(
      Map<String, Given> given, Map<Setting<?>, Object> values, Map<String, String> modelDefaults,
      UnaryOperator<String> locate) {
    this.given = Collections.unmodifiableMap(given);
    this.values = values;
    this.modelDefaults = Collections.unmodifiableMap(modelDefaults);
    this.locate = locate;
  }

  /** Starts a configuration; with no source given it holds the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults alone. */
  public static ServingConfig defaults() {
    return builder().build();
  }

  /** Every setting, in documentation order. */
  public static List<Setting<?>> settings() {
    return SETTINGS;
  }

  /** The setting named {@code key}, if there is one. */
  public static Optional<Setting<?>> setting(String key) {
    return Optional.ofNullable(BY_KEY.get(key));
  }

  /** The value of {@code setting}: the one given, else its default (null when it has none: see {@link #find}). */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    Object v = values.get(setting);
    return v != null ? (T) v : setting.defaultValue;
  }

  /** The value given for {@code setting}, if any source gave one. */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> find(Setting<T> setting) {
    return Optional.ofNullable((T) values.get(setting));
  }

  /** Where the value of {@code key} came from ({@code environment variable SERVING_BATCH_SIZE}), if given. */
  public Optional<String> source(String key) {
    Given g = given.get(key);
    return g == null ? Optional.empty() : Optional.of(g.source);
  }

  /**
   * The model defaults: every {@link Scope#MODEL_DEFAULT} setting given, in canonical text ({@code 500ms}), and
   * every model key given ({@code option.*}, {@code serving.properties} keys). A model's own
   * {@code serving.properties} and registration values win over them.
   */
  public Map<String, String> modelDefaults() {
    return modelDefaults;
  }

  /** The management address: {@link #MANAGEMENT_ADDRESS}, else the inference address. */
  public Address managementAddress() {
    return find(MANAGEMENT_ADDRESS).orElse(get(INFERENCE_ADDRESS));
  }

  /**
   * The models to load at start — the one place {@code load_models} is interpreted: the {@code models} entries,
   * then by {@code load_models}: every model of {@code model_store} ({@code ALL}, the default; nothing without a
   * store), none ({@code NONE}), or the entries it lists (instead of the store's models).
   *
   * @throws ModelLoadException when the model store cannot be read
   */
  public List<ModelSpec> startupModels() {
    List<ModelSpec> specs = new ArrayList<>(get(MODELS));
    String load = get(LOAD_MODELS).strip();
    if (load.equalsIgnoreCase("ALL")) {
      find(MODEL_STORE).ifPresent(store -> specs.addAll(ModelStore.scan(store)));
    } else if (!load.equalsIgnoreCase("NONE")) {
      specs.addAll(entries(load, locate));
    }
    return specs;
  }

  /** The keys given, each with its value and source, for a start-up log line. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ServingConfig{");
    String sep = "";
    for (Map.Entry<String, Given> e : new TreeMap<>(given).entrySet()) {
      sb.append(sep).append(e.getKey()).append('=').append(e.getValue().value)
          .append(" (").append(e.getValue().source).append(')');
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  // ---------------------------------------------------------------------------------------------------------

  /**
   * One server-level setting: key, type, default, meaning, and how its text is parsed and checked.
   *
   * <p>Threading: immutable.
   */
  public static final class Setting<T> {
    private final String key;
    private final String type;
    private final Scope scope;
    private final T defaultValue;
    private final String defaultText;
    private final String doc;
    private final Parser<T> parser;
    private final Function<T, String> formatter;

    private Setting(
        String key, String type, Scope scope, T defaultValue, String defaultText, String doc, Parser<T> parser,
        Function<T, String> formatter) {
      this.key = key;
      this.type = type;
      this.scope = scope;
      this.defaultValue = defaultValue;
      this.defaultText = defaultText;
      this.doc = doc;
      this.parser = parser;
      this.formatter = formatter;
    }

    /** The key, as in {@code config.properties}. */
    public String key() {
      return key;
    }

    /** The type, in words ({@code integer ≥ 1}, {@code duration (ms)}). */
    public String type() {
      return type;
    }

    /** Who applies it. */
    public Scope scope() {
      return scope;
    }

    /** The default, if it has one. */
    public Optional<T> defaultValue() {
      return Optional.ofNullable(defaultValue);
    }

    /** The default, in words. */
    public String defaultText() {
      return defaultText;
    }

    /** What it means. */
    public String doc() {
      return doc;
    }

    /** Its {@code SERVING_<KEY>} environment variable. */
    public String environmentVariable() {
      return EnvironmentNames.SERVING + key.toUpperCase(Locale.ROOT);
    }

    T parse(String text, UnaryOperator<String> locate) {
      return parser.parse(text, locate);
    }

    String format(T value) {
      return formatter.apply(value);
    }

    @Override
    public String toString() {
      return key;
    }
  }

  /** Parses a setting's text; throws {@link IllegalArgumentException} with the reason alone. */
  private interface Parser<T> {
    T parse(String text, UnaryOperator<String> locate);
  }

  /**
   * Collects the sources of a {@link ServingConfig}. The order of calls does not matter: each source has its
   * place in the precedence (see {@link ServingConfig}); within one source the last value wins. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, Given> given = new LinkedHashMap<>();
    private final Set<Given> reported = new HashSet<>(); // warned about when first built
    private UnaryOperator<String> locate = AS_WRITTEN;
    private Scope host;

    private Builder() {}

    /**
     * The host's own default for a key (lowest precedence): the servlet listener's {@code /WEB-INF/models}.
     */
    public Builder hostDefault(String key, String value, String source) {
      return put(key, value, source, HOST_DEFAULT, false);
    }

    /** Keys and values of a properties source ({@code config.properties}, Spring's {@code servingkit.*}). */
    public Builder properties(Map<String, String> properties, String source) {
      Objects.requireNonNull(source, "source");
      new TreeMap<>(properties).forEach((k, v) -> put(k, v, source, PROPERTIES, false));
      return this;
    }

    /**
     * Reads a {@code config.properties} file.
     *
     * @throws InvalidSpecException when it does not exist or cannot be read, naming it
     */
    public Builder configFile(Path file) {
      Properties props = new Properties();
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        props.load(reader);
      } catch (NoSuchFileException e) {
        throw new InvalidSpecException("config file " + file + " does not exist");
      } catch (IOException | IllegalArgumentException e) {
        throw new InvalidSpecException("cannot read config file " + file + ": " + e.getMessage(), e);
      }
      Map<String, String> map = new LinkedHashMap<>();
      props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
      return properties(map, file.toString());
    }

    /**
     * The process environment, as its owner passes it in (the library never reads it): {@code SERVING_<KEY>}
     * gives setting {@code <key>} (an unknown one is logged and ignored), {@code OPTION_<X>} and
     * {@code ARGS_<X>} give model defaults, {@code PYTHON_EXECUTABLE} gives the model default
     * {@code option.pythonExecutable} (as in DJL Serving; {@code OPTION_PYTHONEXECUTABLE} wins over it),
     * {@code OMP_NUM_THREADS} gives {@code omp_num_threads}. Other
     * variables are not looked at.
     */
    public Builder environment(Map<String, String> environment) {
      for (Map.Entry<String, String> e : new TreeMap<>(environment).entrySet()) {
        String name = e.getKey();
        String source = "environment variable " + name;
        Optional<String> setting = EnvironmentNames.settingKey(name);
        if (setting.isPresent()) {
          if (BY_KEY.containsKey(setting.get())) {
            put(setting.get(), e.getValue(), source, ENVIRONMENT, false);
          } else {
            LOG.warn("Ignoring {}: {} is not a ServingKit setting", name, setting.get());
          }
        } else if (name.equals("OMP_NUM_THREADS")) {
          put(OMP_NUM_THREADS.key, e.getValue(), source, ENVIRONMENT, false);
        } else if (name.equals(EnvironmentNames.PYTHON_EXECUTABLE)) {
          // DJL Serving reads it (djl-demo's Python walkthrough exports it); OPTION_PYTHONEXECUTABLE wins
          if (!e.getValue().isBlank() && !environment.containsKey("OPTION_PYTHONEXECUTABLE")) {
            put("option.pythonExecutable", e.getValue().strip(), source, ENVIRONMENT, true);
          }
        } else {
          EnvironmentNames.modelKey(name).ifPresent(key -> put(key, e.getValue(), source, ENVIRONMENT, true));
        }
      }
      return this;
    }

    /**
     * A servlet context's init-parameters: those named {@code servingkit.<key>} give {@code <key>}, except
     * {@code servingkit.config_file} (which names the properties file the listener reads). Others are not
     * looked at.
     */
    public Builder initParameters(Map<String, String> parameters) {
      new TreeMap<>(parameters).forEach((name, value) -> {
        if (name.startsWith(PREFIX) && !name.equals(PREFIX + "config_file")) {
          put(name.substring(PREFIX.length()), value, "context init-parameter " + name, INIT_PARAMETER, false);
        }
      });
      return this;
    }

    /** An explicit value (a command-line flag, a builder call): the highest precedence. */
    public Builder set(String key, String value, String source) {
      return put(key, value, Objects.requireNonNull(source, "source"), EXPLICIT, false);
    }

    /**
     * An explicit typed value, checked now.
     *
     * @throws IllegalArgumentException naming the key when the value is out of range
     */
    public <T> Builder set(Setting<T> setting, T value) {
      Objects.requireNonNull(value, setting.key);
      String text;
      try {
        text = setting.format(value);
        setting.parse(text, AS_WRITTEN);
      } catch (IllegalArgumentException | InvalidSpecException e) {
        throw new IllegalArgumentException(setting.key + "=" + value + ": " + reason(setting.key, e.getMessage()), e);
      }
      return put(setting.key, text, "builder", EXPLICIT, false);
    }

    /**
     * An explicit model default: any {@code serving.properties} key, such as a translator argument.
     *
     * @throws IllegalArgumentException when {@code key} is empty or a server setting
     */
    public Builder modelDefault(String key, String value, String source) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException("a model default's key must not be empty");
      }
      Setting<?> s = BY_KEY.get(key);
      if (s != null && s.scope != Scope.MODEL_DEFAULT) {
        throw new IllegalArgumentException(key + " is a server setting, not a model property");
      }
      return put(key, Objects.requireNonNull(value, "value"), source, EXPLICIT, true);
    }

    /** Takes every value of {@code config}, each in its own place in the precedence. */
    public Builder merge(ServingConfig config) {
      config.given.forEach((k, g) -> put(k, g.value, g.source, g.layer, g.modelKey));
      reported.addAll(config.given.values());
      if (config.locate != AS_WRITTEN) {
        locate = config.locate;
      }
      return this;
    }

    /**
     * How a path or model URL, as written in the configuration, is found (the servlet listener maps
     * {@code /WEB-INF/...} into the web application); the function throws {@link IllegalArgumentException}
     * with the reason when it names nothing. Default: as written.
     */
    public Builder locations(UnaryOperator<String> locator) {
      this.locate = Objects.requireNonNull(locator, "locator");
      return this;
    }

    /**
     * The host that will apply the configuration: settings of another host ({@link Scope#STANDALONE},
     * {@link Scope#SERVLET}) are then logged as not applying.
     */
    public Builder host(Scope scope) {
      this.host = Objects.requireNonNull(scope, "host");
      return this;
    }

    private Builder put(String key, String value, String source, int layer, boolean modelKey) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, key);
      String k = key.strip();
      Given old = given.get(k);
      if (old == null || old.layer <= layer) {
        given.put(k, new Given(value.strip(), source, layer, modelKey));
      }
      return this;
    }

    /**
     * Checks every value and builds the configuration.
     *
     * @throws InvalidSpecException naming key, value and source of the first bad or unknown key
     */
    public ServingConfig build() {
      Map<Setting<?>, Object> values = new LinkedHashMap<>();
      Map<String, String> models = new LinkedHashMap<>();
      Map<String, String> modelSources = new LinkedHashMap<>();
      for (Map.Entry<String, Given> e : new TreeMap<>(given).entrySet()) {
        String key = e.getKey();
        Given g = e.getValue();
        Setting<?> setting = BY_KEY.get(key);
        if (setting != null) {
          if (g.modelKey && setting.scope != Scope.MODEL_DEFAULT) {
            throw new InvalidSpecException(
                where(key, g) + ": " + key + " is a server setting, not a model property");
          }
          if (g.value.isEmpty()) {
            continue;
          }
          Object value = parse(setting, g, locate);
          values.put(setting, value);
          if (setting.scope == Scope.MODEL_DEFAULT) {
            models.put(key, format(setting, value));
            modelSources.put(key, g.source);
          }
          if (host != null && (setting.scope == Scope.STANDALONE || setting.scope == Scope.SERVLET)
              && setting.scope != host && !reported.contains(g)) {
            LOG.warn("{} does not apply here: only {} reads it", where(key, g),
                setting.scope == Scope.STANDALONE ? "the standalone server" : "the servlet listener");
          }
        } else if (IGNORED_DJL_KEYS.contains(key)) {
          if (!reported.contains(g)) {
            LOG.warn("Ignoring {}: a DJL Serving setting ServingKit does not use", where(key, g));
          }
        } else if (g.modelKey || key.startsWith("option.") || ModelSpec.isModelKey(key)) {
          if (!g.value.isEmpty()) {
            try {
              ModelSpec.of("defaults", null, "file:.", Map.of(key, g.value));
            } catch (InvalidSpecException ex) {
              throw new InvalidSpecException("model default " + where(key, g) + ": " + reason(key, ex.getMessage()), ex);
            }
            models.put(key, g.value);
            modelSources.put(key, g.source);
          }
        } else {
          throw new InvalidSpecException(
              "unknown setting " + key + " (from " + g.source + "): not a ServingKit setting, a DJL Serving "
                  + "config.properties key or a serving.properties key (model defaults start with option.)");
        }
      }
      try {
        ModelSpec.of("defaults", null, "file:.", models); // cross-key checks (minWorkers > maxWorkers)
      } catch (InvalidSpecException ex) {
        throw new InvalidSpecException("model defaults " + modelSources + ": " + ex.getMessage(), ex);
      }
      return new ServingConfig(new LinkedHashMap<>(given), values, models, locate);
    }

    private static <T> Object parse(Setting<T> setting, Given g, UnaryOperator<String> locate) {
      try {
        return setting.parse(g.value, locate);
      } catch (IllegalArgumentException | InvalidSpecException e) {
        throw new InvalidSpecException(where(setting.key, g) + ": " + reason(setting.key, e.getMessage()), e);
      }
    }

    @SuppressWarnings("unchecked")
    private static <T> String format(Setting<T> setting, Object value) {
      return setting.format((T) value);
    }

    private static String where(String key, Given g) {
      return key + "=" + g.value + " (from " + g.source + ")";
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Setting factories and parsers
  // ---------------------------------------------------------------------------------------------------------

  private static Setting<Integer> integer(String key, Scope scope, Integer def, int min, String doc) {
    return new Setting<>(key, "integer ≥ " + min, scope, def, def == null ? "—" : "`" + def + "`", doc,
        (text, locate) -> (int) Values.whole(text, min, Integer.MAX_VALUE), String::valueOf);
  }

  private static Setting<Long> bytes(String key, long def, String doc) {
    return new Setting<>(key, "bytes ≥ 1", Scope.SERVER, def, bytesText(def), doc,
        (text, locate) -> Values.whole(text, 1, Long.MAX_VALUE), String::valueOf);
  }

  private static Setting<Duration> duration(
      String key, Scope scope, Duration def, ChronoUnit bareUnit, boolean positive, String doc) {
    String unit = bareUnit == ChronoUnit.MILLIS ? "ms" : "s";
    return new Setting<>(key, "duration (bare number: " + unit + ")", scope, def, "`" + Durations.format(def) + "`", doc,
        (text, locate) -> {
          Duration d = Durations.parse(text, bareUnit);
          if (positive && d.isZero()) {
            throw new IllegalArgumentException("must be positive");
          }
          return d;
        },
        Durations::format);
  }

  private static Setting<ErrorRateLimit> errorRate(String key, String counts) {
    return new Setting<>(key, "errors[/window]", Scope.SERVER, null, "— (off)",
        "`/ping` answers 503 while more than `errors` failures of this kind happened within `window` (`10/PT1M`, "
            + "`10/60s`; one minute when absent): " + counts,
        (text, locate) -> ErrorRateLimit.parse(text), ErrorRateLimit::toString);
  }

  private static Setting<String> text(String key, Scope scope, String doc) {
    return new Setting<>(key, "text", scope, null, "—", doc, (text, locate) -> text, Function.identity());
  }

  private static Setting<Path> folder(String key, boolean mustExist, String defaultText, String doc) {
    return new Setting<>(key, "folder", Scope.SERVER, null, defaultText, doc,
        (text, locate) -> {
          Path p = Values.path(locate.apply(text));
          if (mustExist && !Files.isDirectory(p)) {
            throw new IllegalArgumentException("no such folder");
          }
          if (!mustExist && Files.exists(p) && !Files.isDirectory(p)) {
            throw new IllegalArgumentException("not a folder");
          }
          return p;
        },
        Path::toString);
  }

  private static Setting<Path> file(String key, String doc) {
    return new Setting<>(key, "file", Scope.STANDALONE, null, "—", doc,
        (text, locate) -> {
          Path p = Values.path(locate.apply(text));
          if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no such file");
          }
          return p;
        },
        Path::toString);
  }

  private static Setting<Address> address(String key, Address def, String defaultText, String doc) {
    return new Setting<>(key, "http(s)://host:port", Scope.STANDALONE, def, defaultText, doc,
        (text, locate) -> parseAddress(text), Address::toString);
  }

  private static Address parseAddress(String value) {
    URI uri;
    try {
      uri = new URI(value.contains("://") ? value : "http://" + value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not an address such as http://127.0.0.1:8080");
    }
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    if (!tls && !"http".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("the scheme must be http or https");
    }
    if (uri.getHost() == null || uri.getPort() < 0 || uri.getPort() > 65535) {
      throw new IllegalArgumentException("needs a host and a port, such as http://127.0.0.1:8080");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Address(host, uri.getPort(), tls);
  }

  /** A gRPC address: {@code host:port} (an {@code http://} prefix is accepted; TLS is not served). */
  private static Address parseGrpcAddress(String value) {
    if (value.regionMatches(true, 0, "https://", 0, 8)) {
      throw new IllegalArgumentException("the gRPC service is plaintext only: give host:port");
    }
    Address a = parseAddress(value);
    return new Address(a.host(), a.port(), false);
  }

  /** Model entries, each URL found with {@code locate}. */
  private static List<ModelSpec> entries(String text, UnaryOperator<String> locate) {
    List<ModelSpec> specs = new ArrayList<>();
    for (ModelSpec spec : ModelSpec.parseList(text)) {
      String url = locate.apply(spec.url());
      specs.add(url.equals(spec.url()) ? spec : ModelSpec.of(spec.name(), spec.version().orElse(null), url, spec.properties()));
    }
    return List.copyOf(specs);
  }

  /** A spec as an entry {@code name[:version]=url?k=v}, for writing {@code models} back as text. */
  private static String entry(ModelSpec spec) {
    StringBuilder sb = new StringBuilder(spec.name());
    spec.version().ifPresent(v -> sb.append(':').append(v));
    sb.append('=').append(spec.url());
    String sep = "?";
    for (Map.Entry<String, String> p : spec.properties().entrySet()) {
      sb.append(sep).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
      sep = "&";
    }
    return sb.toString();
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static boolean isAllOrNone(String text) {
    String t = text.strip();
    return t.equalsIgnoreCase("ALL") || t.equalsIgnoreCase("NONE");
  }

  private static String bytesText(long n) {
    if (n % (1L << 30) == 0) {
      return "`" + n + "` (" + (n >> 30) + " GiB)";
    }
    if (n % (1L << 20) == 0) {
      return "`" + n + "` (" + (n >> 20) + " MiB)";
    }
    return "`" + n + "`";
  }

  /** {@code key=value: reason} → {@code reason}: messages from ModelSpec repeat what the caller names. */
  private static String reason(String key, String message) {
    int i = message.indexOf(": ");
    return message.startsWith(key + "=") && i >= 0 ? message.substring(i + 2) : message;
  }

  private static Map<String, Setting<?>> byKey() {
    Map<String, Setting<?>> map = new LinkedHashMap<>();
    for (Setting<?> s : SETTINGS) {
      if (map.put(s.key, s) != null) {
        throw new IllegalStateException("setting declared twice: " + s.key);
      }
    }
    return Collections.unmodifiableMap(map);
  }
}
