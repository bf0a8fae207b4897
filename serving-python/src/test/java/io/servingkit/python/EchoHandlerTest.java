package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.input;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The echo handler of DJL Serving's transcripts, through one worker process. */
class EchoHandlerTest {
  @TempDir static Path workDir;
  static OneWorker shared;
  static ModelWorker worker;

  @BeforeAll
  static void start() {
    shared = OneWorker.start("echo", workDir);
    worker = shared.worker();
  }

  @AfterAll
  static void stop() {
    shared.close();
  }

  @Test
  void echoesJsonInTheIndentedFormOfDjlServing() throws Exception {
    Input request = input("{\"inputs\":\"hello\",\"parameters\":{\"n\":1}}".getBytes(StandardCharsets.UTF_8),
        "application/json");

    Output output = single(worker.predict(List.of(request)));

    assertThat(output.getCode()).isEqualTo(200);
    assertThat(output.getMessage()).isEqualTo("OK");
    assertThat(body(output)).isEqualTo("{\n  \"inputs\":\"hello\",\n  \"parameters\":{\n    \"n\":1\n  }\n}");
  }

  @Test
  void echoesTextWithItsContentType() throws Exception {
    Output output = single(worker.predict(List.of(text("hello world"))));

    assertThat(body(output)).isEqualTo("hello world");
    assertThat(output.getProperties()).containsEntry("Content-Type", "text/plain");
  }

  @Test
  void echoesAnEmptyBody() throws Exception {
    Output output = single(worker.predict(List.of(text(""))));

    assertThat(output.getCode()).isEqualTo(200);
    assertThat(output.getData().getAsBytes()).isEmpty();
  }

  @Test
  void echoesLargeBinaryBodiesByteForByte() throws Exception {
    byte[] payload = new byte[602_376];
    new Random(7).nextBytes(payload);

    for (int i = 0; i < 3; i++) {
      Output output = single(worker.predict(List.of(input(payload, "tensor/npz"))));
      assertThat(output.getData().getAsBytes()).isEqualTo(payload);
      assertThat(output.getProperties()).containsEntry("Content-Type", "tensor/npz");
    }
  }

  @Test
  void serialCallsKeepTheirOrder() throws Exception {
    for (int i = 0; i < 200; i++) {
      assertThat(body(single(worker.predict(List.of(text("call " + i)))))).isEqualTo("call " + i);
    }
    assertThat(worker.isAlive()).isTrue();
  }
}
