package io.servingkit.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The batch merge and split rules, without a Python process. */
class BatchCodecTest {

  @Test
  void mergePrefixesPropertiesAndContentAndNamesUnkeyedContentData() {
    Input first = new Input();
    first.addProperty("Content-Type", "text/plain");
    first.add("a".getBytes(StandardCharsets.UTF_8));
    Input second = new Input();
    second.add("extra", "b");

    Input merged = BatchCodec.merge(List.of(first, second));

    assertThat(merged.getProperties())
        .containsExactlyInAnyOrderEntriesOf(Map.of("batch_size", "2", "batch_000.Content-Type", "text/plain"));
    assertThat(merged.getContent().keys()).containsExactly("batch_000.data", "batch_001.extra");
  }

  @Test
  void prefixesHaveThreeDigitsUpTo999() {
    assertThat(BatchCodec.prefix(0)).isEqualTo("batch_000.");
    assertThat(BatchCodec.prefix(42)).isEqualTo("batch_042.");
    assertThat(BatchCodec.prefix(999)).isEqualTo("batch_999.");
    assertThat(BatchCodec.prefix(1000)).isEqualTo("batch_1000.");
  }

  @Test
  void splitAcceptsPaddedAndUnpaddedIndexesInAnyOrder() {
    Reply.Answer answer = answer(200, List.of("batch_1.data", "batch_000.out"), "one", "zero");

    List<Output> outputs = BatchCodec.split(answer, 2);

    assertThat(outputs.get(0).getContent().keyAt(0)).isEqualTo("out");
    assertThat(outputs.get(0).getData().getAsString()).isEqualTo("zero");
    assertThat(outputs.get(1).getData().getAsString()).isEqualTo("one");
    assertThat(outputs.get(1).getProperties()).containsEntry("p", "v");
  }

  @Test
  void anErrorCodeAnswersEveryJob() {
    List<Output> outputs = BatchCodec.split(answer(424, List.of("data"), "err"), 3);

    assertThat(outputs).hasSize(3).allSatisfy(o -> {
      assertThat(o.getCode()).isEqualTo(424);
      assertThat(o.getData().getAsString()).isEqualTo("err");
    });
  }

  @Test
  void malformedKeysAreRefusedNamingTheKey() {
    for (String key : List.of("data", "batch_.x", "batch_x.y", "batch_5.y", "batch_1234567890.y", "batch_1")) {
      assertThatThrownBy(() -> BatchCodec.split(answer(200, List.of("batch_0.a", key), "a", "b"), 2))
          .as(key)
          .isExactlyInstanceOf(BadInputException.class)
          .hasMessage("Unexpected batch output key: " + key);
    }
  }

  private static Reply.Answer answer(int code, List<String> keys, String... values) {
    List<byte[]> bytes = new ArrayList<>();
    for (String value : values) {
      bytes.add(value.getBytes(StandardCharsets.UTF_8));
    }
    return new Reply.Answer(code, "m", Map.of("p", "v"), keys, bytes, false);
  }
}
