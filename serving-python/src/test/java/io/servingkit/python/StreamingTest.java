package io.servingkit.python;

import static io.servingkit.python.PythonTestModels.body;
import static io.servingkit.python.PythonTestModels.single;
import static io.servingkit.python.PythonTestModels.text;
import static io.servingkit.python.PythonTestModels.withProperty;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Output;
import io.servingkit.HandlerFailureException;
import io.servingkit.spi.ModelWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** add_stream_content answers arrive as DJL ChunkedBytesSupplier chunks, in order. */
class StreamingTest {
  @TempDir static Path workDir;
  static OneWorker shared;
  static ModelWorker worker;

  @BeforeAll
  static void start() {
    shared = OneWorker.start("stream", workDir);
    worker = shared.worker();
  }

  @AfterAll
  static void stop() {
    shared.close();
  }

  private static List<String> chunks(Output output) throws InterruptedException {
    assertThat(output.getData()).isInstanceOf(ChunkedBytesSupplier.class);
    ChunkedBytesSupplier supplier = (ChunkedBytesSupplier) output.getData();
    List<String> chunks = new ArrayList<>();
    while (supplier.hasNext()) {
      chunks.add(new String(supplier.nextChunk(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
    return chunks;
  }

  @Test
  void chunksArriveInOrderAndTheStreamEnds() throws Exception {
    Output output = single(worker.predict(List.of(text("5"))));

    assertThat(output.getCode()).isEqualTo(200);
    assertThat(output.getProperties()).containsEntry("content-type", "text/plain");
    assertThat(String.join("", chunks(output))).isEqualTo("token0 token1 token2 token3 token4 ");
  }

  @Test
  void theOutputFormatterShapesEachChunk() throws Exception {
    Output output = single(worker.predict(List.of(withProperty(text("3"), "x-json", "1"))));

    assertThat(String.join("", chunks(output))).isEqualTo("0\n1\n2\n");
  }

  @Test
  void aGeneratorErrorEndsTheStreamWithItsMessageAndTheWorkerGoesOn() throws Exception {
    Output output = single(worker.predict(List.of(withProperty(text("2"), "x-fail", "1"))));

    assertThat(String.join("", chunks(output))).isEqualTo("token0 token1 the generator broke");
    assertThat(worker.isAlive()).isTrue();
  }

  @Test
  void finalizeRunsAfterTheStreamWasSent() throws Exception {
    Path marker = workDir.resolve("finalized.txt");
    Output output = single(worker.predict(List.of(withProperty(text("2"), "x-marker", marker.toString()))));
    assertThat(chunks(output)).isNotEmpty();

    // the next call on this worker is answered only after the finalize function ran
    single(worker.predict(List.of(text("0"))));
    assertThat(Files.readString(marker)).isEqualTo("finalized");
  }

  @Test
  void theNextCallWaitsForAnUnreadStreamToFinish() throws Exception {
    Output first = single(worker.predict(List.of(text("50"))));
    Output second = single(worker.predict(List.of(text("1"))));

    assertThat(chunks(second)).containsExactly("token0 ", "");
    assertThat(chunks(first)).hasSize(51);
  }

  @Test
  void streamingOneAnswerToABatchIsRefused() {
    assertThatThrownBy(() -> worker.predict(List.of(text("1"), text("1"))))
        .isExactlyInstanceOf(HandlerFailureException.class)
        .hasMessageContaining("streaming needs batch_size=1");
    assertThat(worker.isAlive()).isTrue();
  }

  @Test
  void aNonStreamingCallAfterStreamsStillWorks() throws Exception {
    single(worker.predict(List.of(text("3"))));
    assertThat(body(single(worker.predict(List.of(text("0")))))).isEmpty();
  }
}
