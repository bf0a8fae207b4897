package io.servingkit.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.ModelServer;
import io.servingkit.ServingConfig;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default {@code allow_custom_code} rule decided where every adapter decides it, in {@link ServingApi}, with the
 * caller's address given on the request: this runs on any machine. Over real HTTP from a non-loopback address (which
 * needs the machine to have one) the same rule is checked on Undertow, Tomcat and Jetty by
 * {@code ManagementSecuritySuite.byDefaultOnlyLoopbackOrKeyedClientsRegisterCode}.
 */
class CustomCodeCallerTest {

  @TempDir Path store;

  @Test
  void aRemoteCallerWithoutTheKeyCannotRegisterCodeALoopbackCallerIsNotRefusedForIt() throws Exception {
    Files.createDirectories(store.resolve("m"));
    ServingConfig config = ServingConfig.builder().set("model_store", store.toString(), "test").build();
    try (ModelServer server = ModelServer.builder().workDir(store.resolve("work")).build();
        ServingApi api = new ServingApi(server, ApiConfig.from(config, ApiConfig.Endpoints.ALL))) {
      String url = store.resolve("m").toUri() + "?option.entryPoint=/tmp/x.py";

      ApiResponse remote = register(api, url, InetAddress.getByName("192.0.2.10"));
      assertThat(remote.status()).isEqualTo(400);
      assertThat(text(remote)).contains("option.entryPoint").contains("allow_custom_code").contains("management key");

      ApiResponse loopback = register(api, url, InetAddress.getLoopbackAddress());
      assertThat(text(loopback)).doesNotContain("allow_custom_code"); // it fails later: no Python mode in core

      ApiResponse unknown = register(api, url, null); // an adapter that could not tell counts as remote
      assertThat(text(unknown)).contains("allow_custom_code");
    }
  }

  private static ApiResponse register(ServingApi api, String url, InetAddress from) throws Exception {
    ApiRequest.Builder b = ApiRequest.builder("POST", "/models").queryParameter("url", url).queryParameter("model_name", "coded");
    if (from != null) {
      b.remoteAddress(from);
    }
    return api.handle(b.build()).toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static String text(ApiResponse r) {
    return StandardCharsets.UTF_8.decode(r.body().duplicate()).toString();
  }
}
