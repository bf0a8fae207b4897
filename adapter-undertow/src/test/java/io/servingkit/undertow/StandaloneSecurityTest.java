package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.InvalidSpecException;
import io.servingkit.RegistrationPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone server's security defaults: token authorization on exactly when management listens beyond
 * loopback (TorchServe's {@code key_file.json} written), the keys that turn it off or bound registrations.
 */
class StandaloneSecurityTest {

  @TempDir Path dir;

  @Test
  void tokensAreOnByDefaultOnlyWhenManagementListensBeyondLoopback() throws IOException {
    assertThat(settings("").tokenAuthorizationOn()).isFalse();
    assertThat(settings("inference_address=http://0.0.0.0:8080\nmanagement_address=http://127.0.0.1:8081\n")
            .tokenAuthorizationOn())
        .isFalse();
    assertThat(settings("inference_address=http://0.0.0.0:8080\n").tokenAuthorizationOn()).isTrue();
    assertThat(settings("management_address=http://0.0.0.0:8081\n").tokenAuthorizationOn()).isTrue();
    assertThat(settings("management_address=http://0.0.0.0:8081\ndisable_token_authorization=true\n")
            .tokenAuthorizationOn())
        .isFalse();
    assertThat(settings("disable_token_authorization=false\n").tokenAuthorizationOn()).isTrue();
    Path file = Files.writeString(dir.resolve("c.properties"), "disable_token_authorization=false\n");
    assertThat(ServerSettings.load(file, Map.of(), List.of(), null, true).tokenAuthorizationOn()).isFalse();
    assertThat(settings("token_expiration_min=5\n").tokenExpiry()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings("").keyFile()).isEqualTo(Path.of("key_file.json"));
    assertThatThrownBy(() -> settings("disable_token_authorization=yes\n"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("disable_token_authorization=yes: not true or false");
    assertThatThrownBy(() -> settings("allowed_urls=file:(\n"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("allowed_urls");
  }

  @Test
  void registrationKeysBecomeThePolicy() throws IOException {
    Files.createDirectories(dir.resolve("store"));
    RegistrationPolicy p =
        settings("model_store=" + dir.resolve("store") + "\nallowed_urls=https://models\\\\.example/.*, file:/m/.*\n"
                + "allow_custom_code=false\n")
            .registrationPolicy();
    assertThat(p.allowedUrls()).containsExactly("https://models\\.example/.*", "file:/m/.*");
    assertThat(p.allowsCustomCode()).isFalse();
    assertThat(p.modelStore()).hasValue(dir.resolve("store").toAbsolutePath());
  }

  @Test
  void aServerManagedBeyondLoopbackWritesTheKeyFileAndRequiresTheKeys() throws Exception {
    Path keys = dir.resolve("keys/key_file.json");
    Path config =
        Files.writeString(
            dir.resolve("config.properties"),
            "inference_address=http://127.0.0.1:0\nmanagement_address=http://0.0.0.0:0\nkey_file=" + keys + "\n");
    try (StandaloneServer server =
        StandaloneServer.start(ServerSettings.load(config, Map.of(), List.of(), null))) {
      assertThat(server.split()).isTrue();
      JsonObject file = JsonParser.parseString(Files.readString(keys)).getAsJsonObject();
      String managementKey = file.getAsJsonObject("management").get("key").getAsString();
      String inferenceKey = file.getAsJsonObject("inference").get("key").getAsString();
      URI inference = server.addresses().get(0);
      URI management = URI.create("http://127.0.0.1:" + server.addresses().get(1).getPort());
      HttpClient http = HttpClient.newHttpClient();
      assertThat(get(http, management.resolve("/models"), null).statusCode()).isEqualTo(401);
      assertThat(get(http, management.resolve("/models"), inferenceKey).statusCode()).isEqualTo(401);
      assertThat(get(http, management.resolve("/models"), managementKey).statusCode()).isEqualTo(200);
      assertThat(get(http, inference.resolve("/predictions/none"), null).statusCode()).isEqualTo(401);
      assertThat(get(http, inference.resolve("/predictions/none"), inferenceKey).statusCode()).isEqualTo(404);
      assertThat(get(http, inference.resolve("/ping"), null).statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private ServerSettings settings(String properties) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "config", ".properties"), properties);
    return ServerSettings.load(file, Map.of(), List.of(), null);
  }
}
