package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.input;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static io.servingkit.python.PythonTestModels.withProperty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Output;
import io.servingkit.HandlerFailureException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handler errors fail the request, keep the worker, and map to the right failure. */
class HandlerFailureTest {
  @TempDir static Path workDir;
  static OneWorker shared;
  static ModelWorker worker;

  @BeforeAll
  static void start() {
    shared = OneWorker.start("failing", workDir);
    worker = shared.worker();
  }

  @AfterAll
  static void stop() {
    shared.close();
  }

  @Test
  void exceptionBecomesHandlerFailureWithPythonsMessageAndTheWorkerStays() throws Exception {
    assertThatThrownBy(() -> worker.predict(List.of(withProperty(text("x"), "x-mode", "raise"))))
        .isExactlyInstanceOf(HandlerFailureException.class)
        .hasMessage("boom: deliberate failure");

    assertThat(worker.isAlive()).isTrue();
    assertThat(body(single(worker.predict(List.of(text("still here")))))).isEqualTo("still here");
  }

  @Test
  void malformedJsonFailsWithPythonsDecoderMessage() {
    assertThatThrownBy(() -> worker.predict(List.of(withProperty(
            input("{\"inputs\": ".getBytes(StandardCharsets.UTF_8), "application/json"), "x-mode", "json"))))
        .isExactlyInstanceOf(HandlerFailureException.class)
        .hasMessage("Expecting value: line 1 column 12 (char 11)");
  }

  @Test
  void wrongReturnTypeIsAHandlerFailure() {
    assertThatThrownBy(() -> worker.predict(List.of(withProperty(text("x"), "x-mode", "type"))))
        .isExactlyInstanceOf(HandlerFailureException.class)
        .hasMessage("Invalid output type: <class 'str'>");
    assertThat(worker.isAlive()).isTrue();
  }

  @Test
  void memoryErrorMeansNotEnoughMemory() {
    assertThatThrownBy(() -> worker.predict(List.of(withProperty(text("x"), "x-mode", "memory"))))
        .isExactlyInstanceOf(NotEnoughMemoryException.class)
        .hasMessage("cannot allocate 10 GiB");
    assertThat(worker.isAlive()).isTrue();
  }

  @Test
  void noneBecomesNoContent() throws Exception {
    Output output = single(worker.predict(List.of(withProperty(text("x"), "x-mode", "none"))));

    assertThat(output.getCode()).isEqualTo(204);
    assertThat(output.getContent().isEmpty()).isTrue();
  }

  @Test
  void anErrorOutputIsPassedThroughAsAnAnswer() throws Exception {
    Output output = single(worker.predict(List.of(withProperty(text("x"), "x-mode", "error-output"))));

    assertThat(output.getCode()).isEqualTo(424);
    assertThat(output.getMessage()).isEqualTo("invoke handler failure");
    assertThat(output.getProperties()).containsEntry("content-type", "application/json");
    assertThat(body(output)).isEqualTo(
        "{\n  \"code\":424,\n  \"message\":\"invoke handler failure\",\n  \"error\":\"the input was not acceptable\"\n}");
  }
}
