package io.servingkit.api.conformance;

import io.servingkit.ModelServer;
import io.servingkit.api.ServingApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Tears down what a conformance suite started, in reverse order of starting; any of them may be null. */
final class SuiteResources {
  private SuiteResources() {}

  static void close(ServerUnderTest sut, ServingApi api, ModelServer server, Path temp) throws Exception {
    try {
      if (sut != null) {
        sut.close();
      }
    } finally {
      if (api != null) {
        api.close();
      }
      if (server != null) {
        server.close();
      }
      if (temp != null) {
        deleteTree(temp);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
