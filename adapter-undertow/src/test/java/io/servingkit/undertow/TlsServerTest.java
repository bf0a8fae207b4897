package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import io.servingkit.InvalidSpecException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The standalone server on {@code https://} addresses, with a certificate this test makes with the JDK's
 * {@code keytool} (run as a process), served from every form DJL Serving and TorchServe accept: a PKCS#12 key
 * store, a PEM PKCS#8 key (RSA and EC) and a PEM PKCS#1 RSA key, each with a PEM certificate; a real
 * {@code java.net.http} client that trusts only that certificate talks to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsServerTest {

  private static final String PASS = "changeit";

  @TempDir static Path dir;
  private Path rsaStore;
  private Path ecStore;

  @BeforeAll
  void makeCertificates() throws Exception {
    rsaStore = keytool("rsa", "RSA");
    ecStore = keytool("ec", "EC");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"keystore", "pem-pkcs8-rsa", "pem-pkcs1-rsa", "pem-pkcs8-ec"})
  void inferenceAndManagementAnswerOverHttps(String form) throws Exception {
    Path store = form.endsWith("-ec") ? ecStore : rsaStore;
    String keys =
        switch (form) {
          case "keystore" -> "keystore=" + store + "\nkeystore_pass=" + PASS + "\nkeystore_type=PKCS12\n";
          default -> {
            Path key = dir.resolve(form + ".key");
            Path cert = dir.resolve(form + ".pem");
            Files.writeString(key, pemKey(store, form.contains("pkcs1")));
            Files.writeString(cert, pem("CERTIFICATE", certificate(store).getEncoded()));
            yield "private_key_file=" + key + "\ncertificate_file=" + cert + "\n";
          }
        };
    Path config = dir.resolve(form + ".properties");
    Files.writeString(
        config, "inference_address=https://127.0.0.1:0\nmanagement_address=https://127.0.0.1:0\n" + keys);
    // the two addresses are equal, so one TLS listener serves both groups
    StandaloneServer server = StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null));
    try {
      URI base = server.addresses().get(0);
      assertThat(base.getScheme()).isEqualTo("https");
      HttpClient client = client(store);
      HttpResponse<String> ping = client.send(get(base.resolve("/ping")), HttpResponse.BodyHandlers.ofString());
      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(JsonParser.parseString(ping.body()).isJsonObject()).isTrue();
      HttpResponse<String> models = client.send(get(base.resolve("/models")), HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(200);
      assertThat(models.body()).contains("\"models\"");
      // a client that does not trust the certificate is refused by the handshake
      HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      assertThatThrownBy(() -> untrusting.send(get(base.resolve("/ping")), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    } finally {
      server.close(Duration.ofSeconds(10));
    }
  }

  @Test
  void inferenceAndManagementCanBeServedApartOverHttps() throws Exception {
    Path config = dir.resolve("split.properties");
    Files.writeString(
        config,
        "inference_address=https://127.0.0.1:0\nmanagement_address=https://127.0.0.2:0\nkeystore="
            + rsaStore
            + "\nkeystore_pass="
            + PASS
            + "\n");
    StandaloneServer server = StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null));
    try {
      assertThat(server.split()).isTrue();
      HttpClient client = client(rsaStore);
      URI inference = server.addresses().get(0);
      URI management = server.addresses().get(1);
      assertThat(List.of(inference.getScheme(), management.getScheme())).containsOnly("https");
      assertThat(client.send(get(inference.resolve("/ping")), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThat(client.send(get(management.resolve("/models")), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThat(client.send(get(inference.resolve("/models")), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(404);
    } finally {
      server.close(Duration.ofSeconds(10));
    }
  }

  @Test
  void badTlsSettingsNameTheKeyAndFile() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key");
    Path config = dir.resolve("bad.properties");
    Files.writeString(
        config,
        "inference_address=https://127.0.0.1:0\nprivate_key_file=" + garbage + "\ncertificate_file=" + garbage + "\n");
    assertThatThrownBy(() -> StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageStartingWith(config + ": ")
        .hasMessageContaining("private_key_file=" + garbage + ": no PEM private key found");
    Files.writeString(config, "inference_address=https://127.0.0.1:0\nkeystore=" + rsaStore + "\nkeystore_pass=wrong\n");
    assertThatThrownBy(() -> StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("keystore=" + rsaStore + " (keystore_type=PKCS12): cannot be read");
    Files.writeString(config, "inference_address=https://127.0.0.1:0\n");
    assertThatThrownBy(() -> StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null)))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("an https:// address needs private_key_file and certificate_file");
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** A PKCS#12 store with a self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
  private Path keytool(String name, String algorithm) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", algorithm, "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,ip:127.0.0.2,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", PASS, "-keypass", PASS)
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return store;
  }

  private static KeyStore load(Path store) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASS.toCharArray());
    }
    return ks;
  }

  private static Certificate certificate(Path store) throws Exception {
    return load(store).getCertificate("server");
  }

  private static String pemKey(Path store, boolean pkcs1) throws Exception {
    PrivateKey key = (PrivateKey) load(store).getKey("server", PASS.toCharArray());
    byte[] pkcs8 = key.getEncoded();
    return pkcs1 ? pem("RSA PRIVATE KEY", innerKey(pkcs8)) : pem("PRIVATE KEY", pkcs8);
  }

  /** The key inside a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER, SEQUENCE algorithm, OCTET STRING key }. */
  private static byte[] innerKey(byte[] pkcs8) {
    int[] at = {0};
    header(pkcs8, at); // outer SEQUENCE
    int version = header(pkcs8, at);
    at[0] += version;
    int algorithm = header(pkcs8, at);
    at[0] += algorithm;
    int length = header(pkcs8, at); // OCTET STRING
    return Arrays.copyOfRange(pkcs8, at[0], at[0] + length);
  }

  /** Reads a DER tag and length at {@code at[0]}, leaves {@code at[0]} on the content, returns its length. */
  private static int header(byte[] der, int[] at) {
    int i = at[0] + 1;
    int first = der[i++] & 0xff;
    int length = first;
    if (first >= 0x80) {
      length = 0;
      for (int n = first & 0x7f; n > 0; n--) {
        length = length << 8 | (der[i++] & 0xff);
      }
    }
    at[0] = i;
    return length;
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static HttpClient client(Path store) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", certificate(store));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }

  private static HttpRequest get(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
  }
}
