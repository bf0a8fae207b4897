package io.servingkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ModelSpecTest {

  @Test
  void parsesEveryFieldOfAnEntry() {
    ModelSpec spec = ModelSpec.parse("resnet:1.2:PyTorch:gpu0;gpu1=file:/models/resnet.zip");
    assertThat(spec.name()).isEqualTo("resnet");
    assertThat(spec.version()).contains("1.2");
    assertThat(spec.engine()).contains("PyTorch");
    assertThat(spec.loadOnDevices()).isEqualTo("gpu0;gpu1");
    assertThat(spec.url()).isEqualTo("file:/models/resnet.zip");
  }

  @Test
  void keepsEmptyFields() {
    ModelSpec spec = ModelSpec.parse("resnet::PyTorch=file:/m");
    assertThat(spec.name()).isEqualTo("resnet");
    assertThat(spec.version()).isEmpty();
    assertThat(spec.engine()).contains("PyTorch");
    assertThat(spec.loadOnDevices()).isEqualTo("*");
  }

  @Test
  void acceptsBracketsAroundTheHead() {
    ModelSpec spec = ModelSpec.parse("[mlp:2:OnnxRuntime:*]=file:/m/mlp");
    assertThat(spec.name()).isEqualTo("mlp");
    assertThat(spec.version()).contains("2");
    assertThat(spec.engine()).contains("OnnxRuntime");
  }

  @ParameterizedTest
  @CsvSource({
    "file:/models/bert-base.tar.gz, bert_base",
    "https://host/x/resnet18_v1.zip, resnet18_v1",
    "file:/m/my.model.tgz, my_model",
    "file:/m/folder/, folder",
    "/plain/path/digits, digits",
    "file:/m/a.mar, a",
    "file:/m/t.tar, t",
  })
  void infersTheNameFromTheUrl(String url, String name) {
    assertThat(ModelSpec.parse(url).name()).isEqualTo(name);
  }

  @Test
  void queryStringPairsBecomePropertiesAndModelNameSetsThePrefix() {
    ModelSpec spec =
        ModelSpec.parse("file:/m/r.zip?translatorFactory=a.b.C&model_name=resnet50&topK=3&x=a%20b");
    assertThat(spec.url()).isEqualTo("file:/m/r.zip");
    assertThat(spec.name()).isEqualTo("r");
    assertThat(spec.arguments())
        .containsEntry("translatorFactory", "a.b.C")
        .containsEntry("topK", "3")
        .containsEntry("x", "a b");
    assertThat(spec.options()).containsEntry("modelName", "resnet50");
  }

  @Test
  void anEqualsSignInTheQueryDoesNotStartAName() {
    ModelSpec spec = ModelSpec.parse("file:/m/r?a=b");
    assertThat(spec.name()).isEqualTo("r");
    assertThat(spec.property("a")).contains("b");
  }

  @Test
  void parsesListsSeparatedByCommasOrSpaces() {
    List<ModelSpec> specs = ModelSpec.parseList("a=file:/x, b=file:/y c::MXNet=file:/z");
    assertThat(specs).extracting(ModelSpec::name).containsExactly("a", "b", "c");
  }

  @Test
  void typedDefaults() {
    ModelSpec spec = ModelSpec.parse("m=file:/m");
    assertThat(spec.jobQueueSize()).isEqualTo(1000);
    assertThat(spec.batchSize()).isEqualTo(1);
    assertThat(spec.maxBatchDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(spec.maxIdleTime()).isEqualTo(Duration.ofSeconds(60));
    assertThat(spec.minWorkers(false)).isEmpty();
    assertThat(spec.requiredMemoryMb(false)).isZero();
    assertThat(spec.reservedMemoryMb(false)).isEqualTo(500);
    assertThat(spec.retryThreshold()).isEqualTo(3);
    assertThat(spec.logModelMetric()).isFalse();
    assertThat(spec.metricsAggregation()).isEqualTo(1000);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "max_batch_delay, 5, PT0.005S",
    "max_batch_delay, 250us, PT0.00025S",
    "max_batch_delay, 2s, PT2S",
    "max_idle_time, 60, PT60S",
    "max_idle_time, 500ms, PT0.5S",
    "max_idle_time, 1500 MS, PT1.5S",
    "max_idle_time, 5m, PT5M",
    "max_idle_time, 7ns, PT0.000000007S",
    "option.predict_timeout, 30, PT30S",
    "option.predict_timeout, 1h, PT1H",
  })
  void durationsTakeDjlUnitsOrAnExplicitUnit(String key, String value, Duration expected) {
    assertThat(ModelSpec.parse("m=file:/m").with(key, value).getDuration(key, Duration.ZERO)).isEqualTo(expected);
  }

  @Test
  void typedValuesAliasesAndDevicePrefixes() {
    ModelSpec spec =
        ModelSpec.of(
            "m",
            null,
            "file:/m",
            Map.of(
                "max_dynamic_batch_size", "8",
                "max_batch_delay", "5",
                "max_idle_time", "7",
                "minWorkers", "1",
                "maxWorkers", "4",
                "cpu.maxWorkers", "3",
                "gpu.minWorkers", "2",
                "gpu.maxWorkers", "2",
                "gpu.required_memory_mb", "100",
                "log_request_metric", "TRUE"));
    assertThat(spec.batchSize()).isEqualTo(8);
    assertThat(spec.maxBatchDelay()).isEqualTo(Duration.ofMillis(5));
    assertThat(spec.maxIdleTime()).isEqualTo(Duration.ofSeconds(7));
    assertThat(spec.minWorkers(false)).hasValue(1);
    assertThat(spec.maxWorkers(false)).hasValue(3);
    assertThat(spec.minWorkers(true)).hasValue(2);
    assertThat(spec.requiredMemoryMb(true)).isEqualTo(100);
    assertThat(spec.requiredMemoryMb(false)).isZero();
    assertThat(spec.logRequestMetric()).isTrue();
    assertThat(ModelSpec.parse("m=file:/m?batch_size=2&max_dynamic_batch_size=9").batchSize()).isEqualTo(2);
  }

  @Test
  void optionsAndArgumentsAreSplitByPrefix() {
    ModelSpec spec =
        ModelSpec.of("m", null, "file:/m", Map.of("option.entryPoint", "model.py", "width", "224"));
    assertThat(spec.options()).containsExactly(Map.entry("entryPoint", "model.py"));
    assertThat(spec.arguments()).containsExactly(Map.entry("width", "224"));
  }

  @Test
  void precedenceGivenOverFolderOverServerDefaults() {
    ModelSpec given = ModelSpec.parse("m=file:/m?batch_size=4");
    ModelSpec resolved =
        given
            .withDefaults(Map.of("batch_size", "2", "max_batch_delay", "50"))
            .withDefaults(Map.of("batch_size", "1", "max_batch_delay", "10", "job_queue_size", "7"));
    assertThat(resolved.batchSize()).isEqualTo(4);
    assertThat(resolved.maxBatchDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(resolved.jobQueueSize()).isEqualTo(7);
  }

  @Test
  void engineNamesAreCanonical() {
    assertThat(ModelSpec.parse("m::onnxruntime=file:/m").engine()).contains("OnnxRuntime");
    assertThat(ModelSpec.parse("m::python=file:/m").engine()).contains("Python");
  }

  @Test
  void specsAreImmutableValues() {
    ModelSpec a = ModelSpec.parse("m=file:/m");
    ModelSpec b = a.with("batch_size", "3");
    assertThat(a.batchSize()).isEqualTo(1);
    assertThat(b.batchSize()).isEqualTo(3);
    assertThat(b.with("batch_size", null)).isEqualTo(a);
    assertThatThrownBy(() -> a.properties().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("", "model entry is empty"),
        Arguments.of("   ", "model entry is empty"),
        Arguments.of("m=", "the URL after '=' is empty"),
        Arguments.of("a:b:c:d:e=file:/m", "expected [name][:version][:engine][:devices]=url"),
        Arguments.of("m::Caffe=file:/m", "engine=Caffe: unknown engine, expected one of PyTorch, OnnxRuntime"),
        Arguments.of("m:v 1=file:/m", "version=v 1: only letters"),
        Arguments.of("m=file:/m?batch_size=abc", "batch_size=abc: not an integer"),
        Arguments.of("m=file:/m?batch_size=0", "batch_size=0: must be at least 1"),
        Arguments.of("m=file:/m?batch_size=-2", "batch_size=-2: must not be negative"),
        Arguments.of("m=file:/m?job_queue_size=99999999999", "job_queue_size=99999999999: not an integer"),
        Arguments.of("m=file:/m?max_batch_delay=1.5", "max_batch_delay=1.5: not a duration: a whole number of milliseconds"),
        Arguments.of("m=file:/m?max_idle_time=5 parsecs", "max_idle_time=5 parsecs: not a duration: a whole number of seconds"),
        Arguments.of("m=file:/m?max_idle_time=9999999999999999h", "max_idle_time=9999999999999999h: too large"),
        Arguments.of("m=file:/m?minWorkers=3&maxWorkers=1", "cpu minWorkers=3 is greater than maxWorkers=1"),
        Arguments.of("m=file:/m?gpu.minWorkers=2&gpu.maxWorkers=1", "gpu minWorkers=2 is greater than maxWorkers=1"),
        Arguments.of("m=file:/m?log_model_metric=yes", "log_model_metric=yes: not a boolean"),
        Arguments.of("m=file:/m?option.enable_venv=1", "option.enable_venv=1: not a boolean"),
        Arguments.of("m=file:/m?option.predict_timeout=0", "option.predict_timeout=0: must be positive"),
        Arguments.of("m=file:/m?option.model_loading_timeout=0ms", "option.model_loading_timeout=0ms: must be positive"),
        Arguments.of("m=file:/m?max_idle_time=-1", "max_idle_time=-1: must not be negative"),
        Arguments.of("m=file:/m?retry_threshold=x", "retry_threshold=x: not an integer"));
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedEntriesNameTheKeyAndValue(String entry, String message) {
    assertThatThrownBy(() -> ModelSpec.parse(entry))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining(message);
  }

  @Test
  void readsServingPropertiesAndNamesTheFileWhenMalformed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("serving.properties");
    Files.writeString(file, "engine=OnnxRuntime\noption.modelName = digits \n# comment\nbatch_size=2\n");
    Map<String, String> props = ModelSpec.readProperties(file);
    assertThat(props).containsEntry("option.modelName", "digits").containsEntry("batch_size", "2");
    assertThat(ModelSpec.readProperties(dir.resolve("missing.properties"))).isEmpty();
    Files.writeString(file, "key=\\uZZZZ\n");
    assertThatThrownBy(() -> ModelSpec.readProperties(file))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("Malformed \\uxxxx encoding");
  }

  @Test
  void folderValuesAreValidatedWhenMerged() {
    ModelSpec spec = ModelSpec.parse("m=file:/m");
    assertThatThrownBy(() -> spec.withDefaults(Map.of("job_queue_size", "lots")))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("job_queue_size=lots: not an integer");
  }
}
