package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static io.servingkit.python.PythonTestModels.withProperty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.BadInputException;
import io.servingkit.HandlerFailureException;
import io.servingkit.spi.ModelWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches through a handler that uses get_batches() and answers with batch_index. */
class BatchTest {
  @TempDir static Path workDir;
  static OneWorker shared;
  static ModelWorker worker;

  @BeforeAll
  static void start() {
    shared = OneWorker.start("batch", workDir);
    worker = shared.worker();
  }

  @AfterAll
  static void stop() {
    shared.close();
  }

  private static List<Input> jobs(int count) {
    List<Input> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      batch.add(withProperty(text("job " + i), "x-tag", "t" + i));
    }
    return batch;
  }

  @Test
  void aSingleJobIsSentUnbatched() throws Exception {
    Output output = single(worker.predict(jobs(1)));

    assertThat(body(output)).isEqualTo("JOB 0|t0");
    assertThat(output.getProperties()).containsEntry("batch-seen", "1");
  }

  @Test
  void eachJobOfABatchGetsItsOwnAnswerInOrder() throws Exception {
    List<Output> outputs = worker.predict(jobs(12));

    assertThat(outputs).hasSize(12);
    for (int i = 0; i < 12; i++) {
      assertThat(body(outputs.get(i))).isEqualTo("JOB " + i + "|t" + i);
      assertThat(outputs.get(i).getCode()).isEqualTo(200);
      assertThat(outputs.get(i).getProperties()).containsEntry("batch-seen", "12");
      assertThat(outputs.get(i).getContent().keyAt(0)).isEqualTo("data");
    }
  }

  @Test
  void tooFewAnswersFailTheBatchAsBadInput() {
    List<Input> batch = jobs(3);
    batch.get(0).addProperty("x-mode", "short");

    assertThatThrownBy(() -> worker.predict(batch))
        .isExactlyInstanceOf(BadInputException.class)
        .hasMessage("Batch output size mismatch, expected: 3, actual: 2");
    assertThat(worker.isAlive()).isTrue();
  }

  @Test
  void answersWithoutTheBatchPrefixFailTheBatch() {
    List<Input> batch = jobs(2);
    batch.get(0).addProperty("x-mode", "badkey");

    assertThatThrownBy(() -> worker.predict(batch))
        .isExactlyInstanceOf(BadInputException.class)
        .hasMessage("Unexpected batch output key: data");
  }

  @Test
  void aHandlerExceptionFailsEveryJobOfTheBatch() {
    List<Input> batch = jobs(4);
    batch.get(0).addProperty("x-mode", "fail");

    assertThatThrownBy(() -> worker.predict(batch))
        .isExactlyInstanceOf(HandlerFailureException.class)
        .hasMessage("the whole batch failed");
  }
}
