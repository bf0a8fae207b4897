package io.servingkit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.servingkit.ErrorRateLimit;
import io.servingkit.ServingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The {@code error_rate_*} windows on a fake clock; over HTTP with a real Python handler: ErrorRateHealthTest. */
class ErrorRatesTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private ErrorRates rates(ServingConfig.Setting<ErrorRateLimit> setting, String limit) {
    return new ErrorRates(Map.of(setting, ErrorRateLimit.parse(limit)), now::get);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void theFailurePastTheLimitTripsItUntilItsWindowEnds() {
    ErrorRates rates = rates(ServingConfig.ERROR_RATE_SERVER, "2/PT10S");
    rates.answered(500, false);
    advance(Duration.ofSeconds(4));
    rates.answered(500, false);
    assertThat(rates.exceeded()).isEmpty();
    advance(Duration.ofSeconds(4));
    rates.answered(500, false);
    assertThat(rates.exceeded()).containsExactly("error_rate_server");
    advance(Duration.ofMillis(1_999)); // 9.999 s after the window's first failure
    assertThat(rates.exceeded()).containsExactly("error_rate_server");
    advance(Duration.ofMillis(1));
    assertThat(rates.exceeded()).isEmpty();
  }

  @Test
  void failuresSpreadOverWindowsNeverTripIt() {
    ErrorRates rates = rates(ServingConfig.ERROR_RATE_ANY, "1/1s");
    for (int i = 0; i < 20; i++) {
      rates.answered(503, false);
      assertThat(rates.exceeded()).isEmpty();
      advance(Duration.ofMillis(1_000));
    }
  }

  @Test
  void kindsAreCountedByTheirOwnLimits() {
    List<String> tripped = new ArrayList<>();
    for (var setting : ErrorRates.SETTINGS) {
      ErrorRates rates = rates(setting, "0");
      rates.answered(424, false); // a failing handler
      tripped.addAll(rates.exceeded());
    }
    assertThat(tripped).containsExactly("error_rate_any", "error_rate_model");

    assertThat(ErrorRates.kindOf(500, true)).isEqualTo(ErrorRates.Kind.MODEL);
    assertThat(ErrorRates.kindOf(503, false)).isEqualTo(ErrorRates.Kind.WORKER);
    assertThat(ErrorRates.kindOf(507, false)).isEqualTo(ErrorRates.Kind.WORKER);
    assertThat(ErrorRates.kindOf(500, false)).isEqualTo(ErrorRates.Kind.SERVER);
    assertThat(ErrorRates.kindOf(400, false)).isNull();
    assertThat(ErrorRates.kindOf(404, false)).isNull();
    assertThat(ErrorRates.kindOf(413, false)).isNull();
    assertThat(ErrorRates.kindOf(404, true)).as("a model's own 4xx is the client's mistake").isNull();
  }

  @Test
  void workerAndWlmAreTwoBudgetsOverTheSameFailures() {
    ErrorRates rates =
        new ErrorRates(
            Map.of(
                ServingConfig.ERROR_RATE_WORKER, ErrorRateLimit.parse("1"),
                ServingConfig.ERROR_RATE_WLM, ErrorRateLimit.parse("2")),
            now::get);
    rates.answered(503, false);
    rates.answered(503, false);
    assertThat(rates.exceeded()).containsExactly("error_rate_worker");
    rates.answered(507, false);
    assertThat(rates.exceeded()).containsExactly("error_rate_worker", "error_rate_wlm");
  }

  @Test
  void limitsAreWrittenAsDjlServingWritesThem() {
    assertThat(ErrorRateLimit.parse("10/PT1M")).isEqualTo(new ErrorRateLimit(10, Duration.ofMinutes(1)));
    assertThat(ErrorRateLimit.parse("10")).isEqualTo(new ErrorRateLimit(10, Duration.ofMinutes(1)));
    assertThat(ErrorRateLimit.parse(" 3 / 30s ")).isEqualTo(new ErrorRateLimit(3, Duration.ofSeconds(30)));
    assertThat(ErrorRateLimit.parse("3/500ms")).isEqualTo(new ErrorRateLimit(3, Duration.ofMillis(500)));
    assertThat(ErrorRateLimit.parse("3/PT0.5S").toString()).isEqualTo("3/PT0.5S");
    assertThatThrownBy(() -> ErrorRateLimit.parse("-1")).hasMessageContaining("errors must be ≥ 0");
    assertThatThrownBy(() -> ErrorRateLimit.parse("3/PT0S")).hasMessageContaining("window must be positive");
    assertThatThrownBy(() -> ErrorRateLimit.parse("3/soon")).hasMessageContaining("'soon' is not a duration");
  }

  @Test
  void noLimitsIsTheDefaultAndAlwaysHealthy() {
    ErrorRates rates = new ErrorRates(ApiConfig.defaults().errorRateLimits(), now::get);
    for (int i = 0; i < 1000; i++) {
      rates.answered(500, false);
    }
    assertThat(rates.exceeded()).isEmpty();
  }
}
