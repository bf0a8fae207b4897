package io.servingkit.api;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Token authorization in the manner of TorchServe's: three random keys — one for the management API, one for the
 * inference API, and an API key that renews the other two — sent as {@code Authorization: Bearer <key>}. The
 * management and inference keys expire after {@link #expiry()} (TorchServe's {@code token_expiration_min}, 60
 * minutes by default) and are renewed with {@code POST /token?type=management|inference} authorized by the API key,
 * which never expires. {@link #keyFileJson()} is TorchServe's {@code key_file.json}:
 *
 * <pre>{@code
 * {"management": {"key": "...", "expiration time": "2026-12-04T15:12:24Z"},
 *  "inference":  {"key": "...", "expiration time": "2026-12-04T15:12:24Z"},
 *  "API":        {"key": "..."}}
 * }</pre>
 *
 * <p>Give one instance to every {@link ServingApi} of a server (through {@link ApiConfig.Builder#tokenAuthorization})
 * so that both listeners accept the same keys. {@code /ping} and the metrics endpoints need no key.
 *
 * <p>Threading: safe for concurrent use; renewals are serialised by a lock this class owns, and a reader sees
 * either the old or the new key.
 */
public final class TokenAuthorization {

  /** TorchServe's default {@code token_expiration_min}. */
  public static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(60);

  /** Which key a request needs. */
  enum Scope {
    MANAGEMENT("management"),
    INFERENCE("inference"),
    API("API");

    final String jsonName;

    Scope(String jsonName) {
      this.jsonName = jsonName;
    }
  }

  private record Key(String value, Instant expires) {}

  private final SecureRandom random = new SecureRandom();
  private final Clock clock;
  private final Duration expiry;
  private final Path keyFile;
  private final ReentrantLock lock = new ReentrantLock();
  private final String apiKey;
  private volatile Key management;
  private volatile Key inference;

  private TokenAuthorization(Duration expiry, Path keyFile, Clock clock) {
    this.clock = clock;
    this.expiry = expiry;
    this.keyFile = keyFile;
    this.apiKey = newKey();
    this.management = new Key(newKey(), clock.instant().plus(expiry));
    this.inference = new Key(newKey(), clock.instant().plus(expiry));
    writeKeyFile();
  }

  /**
   * Makes fresh keys valid for {@code expiry}, and writes them to {@code keyFile} (readable by its owner only;
   * rewritten whenever a key is renewed) when it is not null.
   *
   * @throws UncheckedIOException when the key file cannot be written
   */
  public static TokenAuthorization create(Duration expiry, Path keyFile) {
    return create(expiry, keyFile, Clock.systemUTC());
  }

  /** As {@link #create(Duration, Path)}, reading time from {@code clock}. */
  public static TokenAuthorization create(Duration expiry, Path keyFile, Clock clock) {
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(clock, "clock");
    if (expiry.isNegative() || expiry.isZero()) {
      throw new IllegalArgumentException("token expiry must be positive, got " + expiry);
    }
    return new TokenAuthorization(expiry, keyFile, clock);
  }

  /** How long a management or inference key is valid after it is made. */
  public Duration expiry() {
    return expiry;
  }

  /** The current management key. */
  public String managementKey() {
    return management.value();
  }

  /** The current inference key. */
  public String inferenceKey() {
    return inference.value();
  }

  /** The API key, which renews the other two and does not expire. */
  public String apiKey() {
    return apiKey;
  }

  /** The key file's content, as TorchServe writes {@code key_file.json}. */
  public String keyFileJson() {
    JsonObject o = new JsonObject();
    o.add("management", entry(management));
    o.add("inference", entry(inference));
    JsonObject api = new JsonObject();
    api.addProperty("key", apiKey);
    o.add("API", api);
    return Responses.GSON.toJson(o) + "\n";
  }

  /** Whether an {@code Authorization} header value carries the valid, unexpired key of {@code scope}. */
  boolean authorizes(Scope scope, String authorization) {
    if (authorization == null) {
      return false;
    }
    String value = authorization.strip();
    if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return false;
    }
    String given = value.substring(7).strip();
    Key key =
        switch (scope) {
          case MANAGEMENT -> management;
          case INFERENCE -> inference;
          case API -> new Key(apiKey, Instant.MAX);
        };
    return MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), key.value().getBytes(StandardCharsets.UTF_8))
        && clock.instant().isBefore(key.expires());
  }

  /** Replaces the management or inference key with a fresh one, rewrites the key file, returns its JSON entry. */
  JsonObject renew(Scope scope) {
    lock.lock();
    try {
      Key fresh = new Key(newKey(), clock.instant().plus(expiry));
      switch (scope) {
        case MANAGEMENT -> management = fresh;
        case INFERENCE -> inference = fresh;
        default -> throw new IllegalArgumentException("the API key is not renewed");
      }
      writeKeyFile();
      JsonObject o = new JsonObject();
      o.add(scope.jsonName, entry(fresh));
      return o;
    } finally {
      lock.unlock();
    }
  }

  private static JsonObject entry(Key key) {
    JsonObject o = new JsonObject();
    o.addProperty("key", key.value());
    o.addProperty("expiration time", key.expires().toString());
    return o;
  }

  private String newKey() {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private void writeKeyFile() {
    if (keyFile == null) {
      return;
    }
    Path dir = keyFile.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, ".key_file-", ".json");
      try {
        try {
          Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the folder's own permissions apply
        }
        Files.writeString(temp, keyFileJson(), StandardCharsets.UTF_8);
        Files.move(temp, keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the token key file " + keyFile, e);
    }
  }

  @Override
  public String toString() {
    return "TokenAuthorization{expiry=" + expiry + ", keyFile=" + keyFile + "}";
  }
}
