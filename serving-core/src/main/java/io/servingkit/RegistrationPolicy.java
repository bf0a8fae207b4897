package io.servingkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * What a registration may fetch and run. Models given at start-up or by the embedding application are
 * {@link #trusted()}; registrations that arrive over the management API get a bounded policy ({@link #builder()}):
 *
 * <ul>
 *   <li><b>URLs.</b> Without {@code allowed_urls}, a {@code file:} URL must lie inside the model store (after
 *       following links), and an {@code http(s):} URL must name a host whose every address is public: never
 *       loopback, link-local (the cloud metadata address), private, carrier-grade NAT, unique-local, multicast or
 *       unspecified; each redirect is checked the same way before it is followed. Other schemes are refused. With
 *       {@code allowed_urls} (TorchServe's key: regular expressions), a URL is accepted exactly when it matches one
 *       of them as a whole, a {@code file:} URL in its resolved form ({@code file:///real/path}); redirects must
 *       match too.
 *   <li><b>Custom code</b> ({@link Builder#customCode(CustomCode)}, default {@link CustomCode#TRUSTED_CALLERS}: only
 *       a request that carried the management key or came from a loopback address, see {@link #forCaller}). When
 *       refused, a model whose folder holds {@code model.py} or any {@code .py}, {@code requirements.txt},
 *       {@code libs/classes} sources, {@code .jar} or {@code .class} files, or whose properties set
 *       {@code option.entryPoint}, {@code option.pythonExecutable}, {@code option.env} or
 *       {@code option.customOpLibrary}, is refused — the controls DJL Serving's secure mode applies to untrusted
 *       model folders.
 * </ul>
 *
 * <p>A refusal is a {@link ModelSourceException} naming the URL or file and the rule, which the REST API answers
 * with 400. The host check resolves the name when the registration is made; a name whose answer changes between
 * that check and the download (DNS rebinding) is not caught, so list internal hosts in {@code allowed_urls} rather
 * than relying on names. Immutable and safe to share.
 */
public final class RegistrationPolicy {

  private static final RegistrationPolicy TRUSTED =
      new RegistrationPolicy(true, List.of(), null, CustomCode.ALLOWED);

  /** Which registrations may bring code of their own ({@code allow_custom_code}). */
  public enum CustomCode {
    /** Every registration ({@code allow_custom_code=true}). */
    ALLOWED,
    /** No registration ({@code allow_custom_code=false}). */
    REFUSED,
    /**
     * {@code allow_custom_code} unset: only a registration whose request carried the management key (token
     * authorization on) or came from a loopback address; {@link #forCaller} settles it per request, and a policy
     * not settled refuses code as if the caller were remote.
     */
    TRUSTED_CALLERS
  }

  private static final Set<String> CODE_OPTIONS =
      Set.of("option.entryPoint", "option.pythonExecutable", "option.env", "option.customOpLibrary");

  private final boolean trusted;
  private final List<Pattern> allowedUrls;
  private final Path modelStore;
  private final CustomCode customCode;

  private RegistrationPolicy(boolean trusted, List<Pattern> allowedUrls, Path modelStore, CustomCode customCode) {
    this.trusted = trusted;
    this.allowedUrls = List.copyOf(allowedUrls);
    this.modelStore = modelStore;
    this.customCode = customCode;
  }

  /** Everything allowed: what a model given at start-up or by the embedding code gets. */
  public static RegistrationPolicy trusted() {
    return TRUSTED;
  }

  /** Starts a bounded policy for registrations from the management API; see the class comment for defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether this is {@link #trusted()}. */
  public boolean isTrusted() {
    return trusted;
  }

  /** The {@code allowed_urls} expressions; empty means the default rule. */
  public List<String> allowedUrls() {
    return allowedUrls.stream().map(Pattern::pattern).toList();
  }

  /** The model store {@code file:} URLs must lie in under the default rule, if one is set. */
  public Optional<Path> modelStore() {
    return Optional.ofNullable(modelStore);
  }

  /** Whether every registration may bring code of its own (Python handlers, requirements, Java classes and jars). */
  public boolean allowsCustomCode() {
    return customCode == CustomCode.ALLOWED;
  }

  /** Which registrations may bring code of their own. */
  public CustomCode customCode() {
    return customCode;
  }

  /**
   * This policy for one request: under {@link CustomCode#TRUSTED_CALLERS}, a trusted caller (the request carried
   * the management key, or came from a loopback address) may bring code and any other may not; other policies are
   * returned as they are. The REST API calls this for every registration, so that every adapter decides alike.
   */
  public RegistrationPolicy forCaller(boolean trustedCaller) {
    if (customCode != CustomCode.TRUSTED_CALLERS || !trustedCaller) {
      return this;
    }
    return new RegistrationPolicy(trusted, allowedUrls, modelStore, CustomCode.ALLOWED);
  }

  /**
   * Refuses a model URL this policy does not allow.
   *
   * @throws ModelSourceException naming the URL and the rule it broke
   */
  public void checkUrl(String url) {
    if (trusted) {
      return;
    }
    String u = url.strip();
    String scheme = scheme(u);
    if (scheme == null || scheme.equals("file")) {
      Path path = realPath(u, scheme == null ? u : u.substring("file:".length()));
      if (!allowedUrls.isEmpty()) {
        String canonical = path.toUri().toString();
        String shortForm = "file:" + path;
        if (!matchesAllowed(canonical) && !matchesAllowed(shortForm)) {
          throw notAllowed(u + " (resolved to " + canonical + ")");
        }
        return;
      }
      if (modelStore == null) {
        throw new ModelSourceException(
            "Registering " + u + " is not allowed: file URLs must lie inside the model store, and none is set"
                + " (set model_store or allowed_urls)");
      }
      Path store = realPath(modelStore.toString(), modelStore.toString());
      if (!path.startsWith(store) || path.equals(store)) {
        throw new ModelSourceException(
            "Registering " + u + " is not allowed: file URLs must lie inside the model store " + store);
      }
      return;
    }
    if (!allowedUrls.isEmpty()) {
      if (!matchesAllowed(u)) {
        throw notAllowed(u);
      }
      return;
    }
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ModelSourceException(
          "Registering " + u + " is not allowed: only file: URLs inside the model store and http(s) URLs to public"
              + " hosts may be registered over the management API (set allowed_urls to allow more)");
    }
    checkPublicHost(u);
  }

  /**
   * Refuses a redirect to a location this policy does not allow; {@code to} is absolute.
   *
   * @throws ModelSourceException naming both locations
   */
  public void checkRedirect(URI from, URI to) {
    if (trusted) {
      return;
    }
    String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ModelSourceException("download of " + from + " redirects to " + to + ", which is not http(s)");
    }
    try {
      checkUrl(to.toString());
    } catch (ModelSourceException e) {
      throw new ModelSourceException(
          "download of " + from + " redirects to a location that is not allowed: " + e.getMessage());
    }
  }

  /**
   * Refuses custom code in a resolved model folder and in the properties given with the registration and in the
   * folder's {@code serving.properties}, when this policy allows none.
   */
  public void checkCode(Path modelDir, Map<String, String> properties) {
    if (customCode == CustomCode.ALLOWED) {
      return;
    }
    String rule =
        customCode == CustomCode.REFUSED
            ? "this server takes no custom code from registrations (allow_custom_code=false)"
            : "this server takes no custom code from registrations by a remote client without the management key"
                + " (allow_custom_code is unset: only requests from a loopback address or with the management key"
                + " may bring code; allow_custom_code=true allows every client)";
    for (String key : properties.keySet()) {
      if (CODE_OPTIONS.contains(key)) {
        throw new ModelSourceException("Model refused: " + key + " is set, and " + rule);
      }
    }
    try (Stream<Path> walk = Files.walk(modelDir)) {
      Optional<Path> code = walk.filter(RegistrationPolicy::isCode).findFirst();
      if (code.isPresent()) {
        throw new ModelSourceException(
            "Model refused: it holds " + modelDir.relativize(code.get())
                + " (custom code: .py files, requirements.txt, libs/classes, .jar and .class files), and " + rule);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new ModelSourceException("cannot inspect the model folder " + modelDir + ": " + e, e);
    }
  }

  private static boolean isCode(Path p) {
    String name = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (Files.isDirectory(p)) {
      Path parent = p.getParent();
      return name.equals("classes") && parent != null && parent.getFileName() != null
          && parent.getFileName().toString().equals("libs");
    }
    return name.endsWith(".py")
        || name.equals("requirements.txt")
        || name.endsWith(".jar")
        || name.endsWith(".class")
        || name.endsWith(".java");
  }

  private boolean matchesAllowed(String url) {
    for (Pattern p : allowedUrls) {
      if (p.matcher(url).matches()) {
        return true;
      }
    }
    return false;
  }

  private ModelSourceException notAllowed(String url) {
    return new ModelSourceException(
        "Registering " + url + " is not allowed: it matches none of allowed_urls " + allowedUrls());
  }

  private static void checkPublicHost(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ModelSourceException(url + ": malformed URL: " + e.getMessage());
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new ModelSourceException(url + ": the URL names no host");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new ModelSourceException("Registering " + url + " failed: unknown host " + host);
    }
    for (InetAddress a : addresses) {
      String why = nonPublic(a);
      if (why != null) {
        throw new ModelSourceException(
            "Registering " + url + " is not allowed: " + host + " resolves to " + a.getHostAddress() + ", a "
                + why + " address (allow it with allowed_urls)");
      }
    }
  }

  /** Why an address is not public, or null when it is. */
  static String nonPublic(InetAddress a) {
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isLinkLocalAddress()) {
      return "link-local";
    }
    if (a.isSiteLocalAddress()) {
      return "private";
    }
    if (a.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0) {
        return "unspecified";
      }
      if (first == 100 && second >= 64 && second < 128) {
        return "carrier-grade NAT";
      }
      if (first >= 240) {
        return "reserved";
      }
    } else if (a instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return "unique-local";
      }
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        try {
          String inner = nonPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
          return inner == null ? null : "IPv4-mapped " + inner;
        } catch (UnknownHostException e) {
          return "malformed";
        }
      }
    }
    return null;
  }

  private static String scheme(String url) {
    int colon = url.indexOf(':');
    if (colon < 2) {
      return null; // no scheme, or a Windows drive letter
    }
    String s = url.substring(0, colon);
    return s.matches("[A-Za-z][A-Za-z0-9+.\\-]*") ? s.toLowerCase(Locale.ROOT) : null;
  }

  /** The real path of a file URL or plain path: absolute, normalised, links followed (as far as it exists). */
  private static Path realPath(String label, String rest) {
    String p = rest;
    if (p.startsWith("//")) {
      int slash = p.indexOf('/', 2);
      String host = slash < 0 ? p.substring(2) : p.substring(2, slash);
      if (!host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
        throw new ModelSourceException(label + ": file URLs with a host (" + host + ") are not supported");
      }
      p = slash < 0 ? "/" : p.substring(slash);
    }
    int q = p.indexOf('?');
    if (q >= 0) {
      p = p.substring(0, q);
    }
    Path path;
    try {
      path = Path.of(URLDecoder.decode(p.replace("+", "%2B"), StandardCharsets.UTF_8)).toAbsolutePath().normalize();
    } catch (IllegalArgumentException e) {
      throw new ModelSourceException(label + ": not a valid path: " + e.getMessage(), e);
    }
    // follow links on the part that exists, so that a link inside the store cannot lead out of it
    Path existing = path;
    List<Path> missing = new ArrayList<>();
    while (existing != null && !Files.exists(existing)) {
      missing.add(0, existing.getFileName());
      existing = existing.getParent();
    }
    if (existing == null) {
      return path;
    }
    try {
      Path real = existing.toRealPath();
      for (Path m : missing) {
        real = real.resolve(m);
      }
      return real;
    } catch (IOException e) {
      throw new ModelSourceException(label + ": cannot resolve " + path + ": " + e, e);
    }
  }

  /** Builder of a bounded {@link RegistrationPolicy}. Not thread-safe. */
  public static final class Builder {
    private final List<Pattern> allowedUrls = new ArrayList<>();
    private Path modelStore;
    private CustomCode customCode = CustomCode.TRUSTED_CALLERS;

    private Builder() {}

    /**
     * TorchServe's {@code allowed_urls}: comma-separated regular expressions, each matched against the whole URL.
     * Null or blank keeps the default rule.
     *
     * @throws InvalidSpecException naming an expression that does not compile
     */
    public Builder allowedUrls(String commaSeparated) {
      allowedUrls.clear();
      if (commaSeparated == null || commaSeparated.isBlank()) {
        return this;
      }
      for (String regex : commaSeparated.split(",")) {
        String r = regex.strip();
        if (r.isEmpty()) {
          continue;
        }
        try {
          allowedUrls.add(Pattern.compile(r));
        } catch (PatternSyntaxException e) {
          throw new InvalidSpecException("allowed_urls: '" + r + "' is not a regular expression: "
              + e.getDescription(), e);
        }
      }
      return this;
    }

    /** The model store: under the default rule, {@code file:} URLs must lie inside it. */
    public Builder modelStore(Path folder) {
      this.modelStore = Objects.requireNonNull(folder, "modelStore").toAbsolutePath().normalize();
      return this;
    }

    /** {@code true}: every registration may bring code ({@link CustomCode#ALLOWED}); false: none may. */
    public Builder customCode(boolean allowed) {
      this.customCode = allowed ? CustomCode.ALLOWED : CustomCode.REFUSED;
      return this;
    }

    /** Which registrations may bring code of their own (default {@link CustomCode#TRUSTED_CALLERS}). */
    public Builder customCode(CustomCode which) {
      this.customCode = Objects.requireNonNull(which, "customCode");
      return this;
    }

    /** Builds the policy. */
    public RegistrationPolicy build() {
      return new RegistrationPolicy(false, allowedUrls, modelStore, customCode);
    }
  }

  @Override
  public String toString() {
    return trusted
        ? "RegistrationPolicy{trusted}"
        : "RegistrationPolicy{allowedUrls=" + allowedUrls() + ", modelStore=" + modelStore + ", customCode="
            + customCode + "}";
  }
}
