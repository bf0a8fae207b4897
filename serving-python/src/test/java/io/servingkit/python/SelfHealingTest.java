package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Output;
import io.servingkit.ModelServer;
import io.servingkit.ModelStatus;
import io.servingkit.WorkerDiedException;
import io.servingkit.api.ApiRequest;
import io.servingkit.api.ApiResponse;
import io.servingkit.api.ServingApi;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Python handler that calls {@code os._exit(1)} on the input "poison", served by a real {@link ModelServer}:
 * the poison job is retried once alone, then fails with a 503 naming what happened, and never counts against the
 * model, which keeps serving every other input and stays (or comes back to) READY.
 */
@ExtendWith(NoLeaks.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SelfHealingTest {
  @TempDir Path workDir;

  private ModelServer server() {
    return ModelServer.builder()
        .workDir(workDir)
        .model(
            PythonTestModels.spec("poison", PythonTestModels.folder("poison"), Map.of("retry_threshold", "1")))
        .build();
  }

  private static Throwable failure(CompletableFuture<Output> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got " + body(f.join()));
  }

  @Test
  void thePoisonInputSentAgainAndAgainFailsAloneAndTheModelKeepsServing() throws Exception {
    try (ModelServer server = server(); ServingApi api = new ServingApi(server)) {
      for (int round = 0; round < 4; round++) {
        Throwable t = failure(server.predict("poison", text("poison")));
        assertThat(t)
            .isInstanceOf(WorkerDiedException.class)
            .hasMessageContaining("died running this job, and again when it was retried alone");
        assertThat(body(server.predictAndWait("poison", text("good " + round)))).isEqualTo("good " + round);
        assertThat(server.list().get(0).status()).isEqualTo(ModelStatus.READY);
      }
      ApiResponse poisoned = api.handle(request("poison")).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(poisoned.status()).isEqualTo(503);
      assertThat(bodyOf(poisoned)).contains("retried alone");
      // while both killed workers restart, /ping says Unhealthy (200); it says Healthy again by itself
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .until(
              () -> {
                ApiResponse ping = api.handle(ApiRequest.builder("GET", "/ping").build()).toCompletableFuture().get();
                assertThat(ping.status()).isEqualTo(200);
                return com.google.gson.JsonParser.parseString(bodyOf(ping))
                    .equals(com.google.gson.JsonParser.parseString("{\"poison\":{\"status\":\"Healthy\"}}"));
              });
    }
  }

  @Test
  void poisonInterleavedWithGoodInputsFromManyThreadsFailsOnlyThePoisonJobs() throws Exception {
    try (ModelServer server = server()) {
      int threads = 6;
      int perThread = 12;
      List<String> wrong = Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < threads; c++) {
        int client = c;
        clients.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    boolean poison = client % 3 == 0 && i % 4 == 0; // 2 clients send 3 poison jobs each
                    String in = poison ? "poison" : "client " + client + " job " + i;
                    try {
                      Output out = server.predictAndWait("poison", text(in));
                      if (poison || !body(out).equals(in)) {
                        wrong.add(in + " answered " + body(out));
                      }
                    } catch (WorkerDiedException e) {
                      if (!poison) {
                        wrong.add(in + " failed: " + e.getMessage());
                      }
                    } catch (RuntimeException e) {
                      wrong.add(in + " failed: " + e);
                    }
                  }
                }));
      }
      CompletableFuture.allOf(clients.toArray(new CompletableFuture<?>[0])).get(4, TimeUnit.MINUTES);
      assertThat(wrong).isEmpty();
      assertThat(body(server.predictAndWait("poison", text("after")))).isEqualTo("after");
      assertThat(server.list().get(0).status()).isEqualTo(ModelStatus.READY);
    }
  }

  private static ApiRequest request(String body) {
    return ApiRequest.builder("POST", "/predictions/poison")
        .header("Content-Type", "text/plain")
        .body(body.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private static String bodyOf(ApiResponse r) {
    return StandardCharsets.UTF_8.decode(r.body().duplicate()).toString();
  }
}
