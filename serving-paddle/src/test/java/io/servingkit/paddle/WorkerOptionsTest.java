package io.servingkit.paddle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.InvalidSpecException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkerOptionsTest {

  @Test
  void defaultsSilenceGlog() {
    WorkerOptions options = WorkerOptions.parse(Map.of());
    assertThat(options.paddleOptions()).isEqualTo(Map.of("DisableGlog", "true"));
    assertThat(options.quietGlog()).isTrue();
    assertThat(options.loadingTimeout()).isEqualTo(Duration.ofSeconds(240));
    assertThat(options.jvmOptions()).contains("-Xmx512m");
  }

  @Test
  void paddleOptionsAreCheckedAndPassedOn() {
    WorkerOptions options =
        WorkerOptions.parse(
            Map.of(
                "DisableGlog", "false",
                "CMLNumThreads", "2",
                "SwitchIrOptim", "FALSE",
                "enableMKLDNN", "true",
                "removePass", "fc_fuse_pass",
                "model_loading_timeout", "30",
                "workerJvmOptions", " -Xmx128m  -XX:+UseSerialGC ",
                "unrelated", "kept out"));
    assertThat(options.paddleOptions())
        .isEqualTo(Map.of("CMLNumThreads", "2", "SwitchIrOptim", "false", "enableMKLDNN", "true", "removePass", "fc_fuse_pass"));
    assertThat(options.quietGlog()).isFalse();
    assertThat(options.loadingTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.jvmOptions()).isEqualTo(List.of("-Xmx128m", "-XX:+UseSerialGC"));
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("CMLNumThreads", "two", "option.CMLNumThreads=two: expected a positive integer"),
        Arguments.of("CMLNumThreads", "0", "option.CMLNumThreads=0: expected a positive integer"),
        Arguments.of("CMLNumThreads", "-3", "option.CMLNumThreads=-3: expected a positive integer"),
        Arguments.of("CMLNumThreads", "99999999999", "option.CMLNumThreads=99999999999: expected a positive integer"),
        Arguments.of("SwitchIrOptim", "yes", "option.SwitchIrOptim=yes: expected true or false"),
        Arguments.of("model_loading_timeout", "1.5", "option.model_loading_timeout=1.5: expected a positive integer"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void aMalformedValueIsNamed(String key, String value, String message) {
    assertThatThrownBy(() -> WorkerOptions.parse(Map.of(key, value))).isInstanceOf(InvalidSpecException.class).hasMessage(message);
  }
}
