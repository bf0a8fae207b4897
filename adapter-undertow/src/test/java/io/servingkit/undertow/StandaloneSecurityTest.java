package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.InvalidSpecException;
import io.servingkit.RegistrationPolicy;
import io.servingkit.ServingConfig;
import io.servingkit.api.ApiConfig;
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
    assertThat(on("")).isFalse();
    assertThat(on("inference_address=http://0.0.0.0:8080\nmanagement_address=http://127.0.0.1:8081\n")).isFalse();
    assertThat(on("inference_address=http://0.0.0.0:8080\n")).isTrue();
    assertThat(on("management_address=http://0.0.0.0:8081\n")).isTrue();
    assertThat(on("management_address=http://0.0.0.0:8081\ndisable_token_authorization=true\n")).isFalse();
    assertThat(on("disable_token_authorization=false\n")).isTrue();
    Path file = Files.writeString(dir.resolve("c.properties"), "disable_token_authorization=false\n");
    assertThat(StandaloneServer.tokenAuthorizationOn(ServingKitCli.configuration(file, Map.of(), List.of(), null, true)))
        .isFalse();
    assertThat(settings("token_expiration_min=5\n").get(ServingConfig.TOKEN_EXPIRATION_MIN)).isEqualTo(5);
    assertThat(settings("").get(ServingConfig.KEY_FILE)).isEqualTo(Path.of("key_file.json"));
    assertThatThrownBy(() -> settings("disable_token_authorization=yes\n"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("disable_token_authorization=yes");
    assertThatThrownBy(() -> settings("allowed_urls=file:(\n"))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("allowed_urls");
  }

  @Test
  void registrationKeysBecomeThePolicy() throws IOException {
    Files.createDirectories(dir.resolve("store"));
    RegistrationPolicy p =
        ApiConfig.from(
                settings("model_store=" + dir.resolve("store") + "\nallowed_urls=https://models\\\\.example/.*, file:/m/.*\n"
                    + "allow_custom_code=false\nmanagement_allowed_origins=https://a.example, https://b.example\n"),
                ApiConfig.Endpoints.ALL)
            .registrationPolicy();
    assertThat(p.allowedUrls()).containsExactly("https://models\\.example/.*", "file:/m/.*");
    assertThat(p.allowsCustomCode()).isFalse();
    assertThat(p.modelStore()).hasValue(dir.resolve("store").toAbsolutePath());
    assertThat(
            ApiConfig.from(settings("management_allowed_origins=https://a.example, https://b.example/\n"), ApiConfig.Endpoints.ALL)
                .managementAllowedOrigins())
        .containsExactly("https://a.example", "https://b.example");
  }

  @Test
  void aServerManagedBeyondLoopbackWritesTheKeyFileAndRequiresTheKeys() throws Exception {
    Path keys = dir.resolve("keys/key_file.json");
    Path config =
        Files.writeString(
            dir.resolve("config.properties"),
            "inference_address=http://127.0.0.1:0\nmanagement_address=http://0.0.0.0:0\nkey_file=" + keys + "\n");
    try (StandaloneServer server =
        StandaloneServer.start(ServingKitCli.configuration(config, Map.of(), List.of(), null))) {
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
      // the Open Inference Protocol's models need the inference key too; its health and server metadata do not
      HttpResponse<String> v2 = get(http, inference.resolve("/v2/models/none"), null);
      assertThat(v2.statusCode()).isEqualTo(401);
      assertThat(v2.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(JsonParser.parseString(v2.body()).getAsJsonObject().get("error").getAsString())
          .contains("needs the inference key");
      assertThat(get(http, inference.resolve("/v2/models/none/ready"), managementKey).statusCode()).isEqualTo(401);
      assertThat(get(http, inference.resolve("/v2/models/none"), inferenceKey).statusCode()).isEqualTo(404);
      assertThat(get(http, inference.resolve("/v2/health/live"), null).statusCode()).isEqualTo(200);
      assertThat(get(http, inference.resolve("/v2"), null).statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI uri, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private ServingConfig settings(String properties) throws IOException {
    Path file = Files.writeString(Files.createTempFile(dir, "config", ".properties"), properties);
    return ServingKitCli.configuration(file, Map.of(), List.of(), null);
  }

  private boolean on(String properties) throws IOException {
    return StandaloneServer.tokenAuthorizationOn(settings(properties));
  }
}
