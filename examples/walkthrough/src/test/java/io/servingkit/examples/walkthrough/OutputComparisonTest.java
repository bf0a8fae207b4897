package io.servingkit.examples.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The comparison the mode examples are checked with must be strict where it should be. */
class OutputComparisonTest {

  @Test
  void equalTextAgrees() {
    assertThat(OutputComparison.difference("$ curl x\n{\"a\": 1}\n", "$ curl x\n{\"a\": 1}\n")).isEmpty();
  }

  @Test
  void decimalsWithinTheToleranceAgree() {
    assertThat(OutputComparison.difference("[0.1548327, -0.06653209, 1.02E-4]", "[0.15483271, -0.066532095, 1.0200001E-4]"))
        .isEmpty();
  }

  @Test
  void decimalsBeyondTheToleranceDiffer() {
    assertThat(OutputComparison.difference("p=0.9998843\n", "p=0.9988843\n")).get().asString().contains("line 1");
    assertThat(OutputComparison.difference("1.0E-4", "2.0E-4")).isPresent();
  }

  @Test
  void integersAndTextMustMatchExactly() {
    assertThat(OutputComparison.difference("http://127.0.0.1:8080/ping", "http://127.0.0.1:8081/ping")).isPresent();
    assertThat(OutputComparison.difference("\"digit\":3", "\"digit\":8")).isPresent();
    assertThat(OutputComparison.difference("label: positive", "label: negative")).isPresent();
    assertThat(OutputComparison.difference("wordmood-1.0-py3", "wordmood-1.1-py3")).isPresent();
  }

  @Test
  void missingOrExtraLinesDiffer() {
    assertThat(OutputComparison.difference("a\nb\n", "a\n")).get().asString().contains("line 2");
    assertThat(OutputComparison.difference("a\nb", "a")).get().asString().contains("<end of output>");
    assertThat(OutputComparison.difference("0.5\n", "0.5\n0.5\n")).isPresent();
  }
}
