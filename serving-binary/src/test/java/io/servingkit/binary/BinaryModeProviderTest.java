package io.servingkit.binary;

import static io.servingkit.binary.TestTensors.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.servingkit.BadInputException;
import io.servingkit.InvalidSpecException;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelWorker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The binary mode on real models of every engine: loading, formats, batching and failures. */
class BinaryModeProviderTest {
  private final BinaryModeProvider provider = new BinaryModeProvider();

  // ---------------------------------------------------------------- selection

  @Test
  void registeredAsServiceWithNameAndPriority() {
    List<ModeProvider> found = new ArrayList<>();
    ServiceLoader.load(ModeProvider.class).forEach(found::add);
    assertThat(found).anySatisfy(p -> assertThat(p).isInstanceOf(BinaryModeProvider.class));
    assertThat(provider.name()).isEqualTo("binary");
    assertThat(provider.priority()).isEqualTo(10);
  }

  @Test
  void supportsEngineModelsWithoutTranslator(@TempDir Path dir) throws IOException {
    for (String engine : List.of("PyTorch", "OnnxRuntime", "TensorFlow", "MXNet")) {
      assertThat(provider.supports(TestModelContext.of(dir, engine, Map.of()))).as(engine).isTrue();
    }
    assertThat(provider.supports(TestModelContext.of(dir, "Python", Map.of()))).isFalse();
    assertThat(provider.supports(TestModelContext.of(dir, "PaddlePaddle", Map.of()))).isFalse();
    for (String key : List.of("translatorFactory", "translator", "application", "task")) {
      assertThat(provider.supports(TestModelContext.of(dir, "PyTorch", Map.of(key, "x")))).as(key).isFalse();
    }
    Files.createDirectory(dir.resolve("libs"));
    assertThat(provider.supports(TestModelContext.of(dir, "PyTorch", Map.of()))).as("libs/").isFalse();
  }

  @Test
  void unknownBatchifierIsRefused() {
    TestModelContext ctx = TestModelContext.of(TestModels.dir("mlp_pt"), "PyTorch", Map.of("batchifier", "padding"));
    assertThatThrownBy(() -> provider.load(ctx, Device.cpu()))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessage("batchifier=padding: unknown batchifier, expected stack, concat or none");
  }

  // ---------------------------------------------------------------- single requests

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "mlp_pt, PyTorch, , tensor/ndlist",
    "mlp_pt, PyTorch, tensor/npz, tensor/npz",
    "mlp_pt, PyTorch, tensor/safetensors, tensor/safetensors",
    "mlp_onnx, OnnxRuntime, , tensor/ndlist",
    "mlp_onnx, OnnxRuntime, 'application/json', application/json",
    "mlp_onnx, OnnxRuntime, 'text/html, tensor/npz;q=0.9', tensor/ndlist", // Accept is compared whole, as DJL does
  })
  void mlpMatchesTorch(String model, String engine, String accept, String expectedType) throws Exception {
    Tensor x = TestModels.npy(model, "x.npy");
    Tensor y = TestModels.npy(model, "y.npy");
    try (LoadedModel loaded = provider.load(TestModelContext.of(TestModels.dir(model), engine, Map.of()), Device.cpu());
        ModelWorker worker = loaded.newWorker(1)) {
      Output out = worker.predict(List.of(request(NpyCodec.encode(x), "application/octet-stream", accept))).get(0);
      assertThat(out.getCode()).isEqualTo(200);
      assertThat(out.getProperty("Content-Type", null)).isEqualTo(expectedType);
      float[] values;
      if (expectedType.equals("application/json")) {
        JsonArray rows =
            JsonParser.parseString(out.getData().getAsString()).getAsJsonObject().getAsJsonArray("predictions");
        assertThat(rows).hasSize(2);
        values = new float[6];
        for (int i = 0; i < 6; i++) {
          values[i] = rows.get(i / 3).getAsJsonArray().get(i % 3).getAsFloat();
        }
      } else {
        Tensor result = decodeOne(out, expectedType);
        assertThat(result.shape()).containsExactly(2, 3);
        values = TestTensors.floatsOf(result);
      }
      assertThat(values).containsExactly(TestTensors.floatsOf(y), within(1e-5f));
    }
  }

  @Test
  void jsonInJsonOutAndCsv() throws Exception {
    Tensor y = TestModels.npy("mlp_onnx", "y.npy");
    try (LoadedModel loaded = load("mlp_onnx", "OnnxRuntime", Map.of()); ModelWorker worker = loaded.newWorker(1)) {
      String body = "{\"inputs\": [[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]]}";
      Output out = worker.predict(List.of(request(body.getBytes(StandardCharsets.UTF_8), "application/json", null))).get(0);
      assertThat(out.getProperty("Content-Type", null)).isEqualTo("application/json");
      JsonArray rows = JsonParser.parseString(out.getData().getAsString()).getAsJsonObject().getAsJsonArray("predictions");
      float[] expected = TestTensors.floatsOf(y);
      for (int r = 0; r < 2; r++) {
        for (int c = 0; c < 3; c++) {
          assertThat(rows.get(r).getAsJsonArray().get(c).getAsFloat()).isCloseTo(expected[r * 3 + c], within(1e-5f));
        }
      }
      Output csv = worker.predict(List.of(request("0.5,-1,2,0.25\n".getBytes(StandardCharsets.UTF_8), "text/csv", null))).get(0);
      assertThat(csv.getProperty("Content-Type", null)).isEqualTo("text/csv");
      String[] cells = csv.getData().getAsString().strip().split(",");
      assertThat(cells).hasSize(3);
      assertThat(Float.parseFloat(cells[0])).isCloseTo(expected[0], within(1e-5f));
    }
  }

  @Test
  void malformedAndRejectedInputsAreBadInput() throws Exception {
    try (LoadedModel loaded = load("mlp_pt", "PyTorch", Map.of()); ModelWorker worker = loaded.newWorker(1)) {
      assertThatThrownBy(() -> worker.predict(List.of(request(new byte[0], "tensor/npz", null))))
          .isInstanceOf(BadInputException.class)
          .hasMessageStartingWith("Invalid input length: 0");
      byte[] wrongWidth = NpyCodec.encode(TestTensors.floats(null, shape(1, 5), 1, 2, 3, 4, 5));
      assertThatThrownBy(() -> worker.predict(List.of(request(wrongWidth, null, null))))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("1x5 and 4x8");
      byte[] deep = NpyCodec.encode(TestTensors.floats(null, shape(1, 1, 1, 4), 1, 2, 3, 4));
      assertThatThrownBy(() -> worker.predict(List.of(request(deep, null, "text/csv"))))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("text/csv can only show 0-D, 1-D and 2-D arrays");
      // the worker still works afterwards
      Output ok = worker.predict(List.of(request(NpyCodec.encode(TestModels.npy("mlp_pt", "x.npy")), null, null))).get(0);
      assertThat(ok.getCode()).isEqualTo(200);
    }
  }

  @Test
  void multipleNamedInputsAndOutputs() throws Exception {
    Tensor a = TestTensors.floats("a", shape(2, 2), 1, 2, 3, 4);
    ByteBuffer ids = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(5).putLong(-7).flip();
    Tensor b = Tensor.of("b", DType.INT64, shape(2), ids);
    Tensor s = Tensor.ofStrings("s", shape(2), new String[] {"héllo", "😀"});
    try (LoadedModel loaded = load("multi_onnx", "OnnxRuntime", Map.of()); ModelWorker worker = loaded.newWorker(1)) {
      Output out = worker.predict(List.of(request(NdListCodec.encode(List.of(a, b, s)), "tensor/ndlist", null))).get(0);
      List<Tensor> result = InputDecoder.decode(ByteBuffer.wrap(out.getData().getAsBytes()), null);
      assertThat(result).extracting(Tensor::name).containsExactly("sum", "twice", "echo");
      assertThat(TestTensors.floatsOf(result.get(0))).containsExactly(2, 3, 4, 5);
      assertThat(result.get(1).data().getLong(0)).isEqualTo(10);
      assertThat(result.get(1).data().getLong(8)).isEqualTo(-14);
      assertThat(result.get(2).strings()).containsExactly("héllo", "😀");
      // npz (detected by content) with names as numpy would send them; JSON output of several arrays
      Output json = worker.predict(List.of(request(NpzCodec.encode(List.of(a, b, s)), "application/octet-stream", "application/json"))).get(0);
      JsonArray predictions =
          JsonParser.parseString(json.getData().getAsString()).getAsJsonObject().getAsJsonArray("predictions");
      assertThat(predictions).hasSize(3);
      JsonObject twice = predictions.get(1).getAsJsonObject();
      assertThat(twice.get("key").getAsString()).isEqualTo("twice");
      assertThat(twice.get("value").toString()).isEqualTo("[10,-14]");
      assertThat(predictions.get(2).getAsJsonObject().get("value").toString()).isEqualTo("[\"héllo\",\"😀\"]");
    }
  }

  @Test
  void tensorflowSavedModel(@TempDir Path dir) throws Exception {
    Path model = TestModels.tensorflow(dir);
    try (LoadedModel loaded = provider.load(TestModelContext.of(model, "TensorFlow", Map.of()), Device.cpu());
        ModelWorker worker = loaded.newWorker(1)) {
      Tensor x = TestTensors.floats("x", shape(2, 3), 0, 1, 2, 3, 4, -5);
      Output out = worker.predict(List.of(request(NpzCodec.encode(List.of(x)), "tensor/npz", null))).get(0);
      assertThat(out.getProperty("Content-Type", null)).isEqualTo("tensor/npz");
      Tensor y = decodeOne(out, "tensor/npz");
      assertThat(y.shape()).containsExactly(2, 3);
      assertThat(TestTensors.floatsOf(y)).containsExactly(1, 3, 5, 7, 9, -9);
    }
  }

  @Test
  void mxnetSymbolModel() throws Exception {
    try (LoadedModel loaded = load("fc_mxnet", "MXNet", Map.of()); ModelWorker worker = loaded.newWorker(1)) {
      Tensor x = TestTensors.floats(null, shape(1, 4), 0, 1, -2, 0.5f);
      Output out = worker.predict(List.of(request(NdListCodec.encode(List.of(x)), null, "tensor/safetensors"))).get(0);
      Tensor y = decodeOne(out, "tensor/safetensors");
      assertThat(y.shape()).containsExactly(1, 2);
      assertThat(TestTensors.floatsOf(y)).containsExactly(2.5f, -3f);
    }
  }

  // ---------------------------------------------------------------- batching

  @ParameterizedTest
  @ValueSource(strings = {"mlp_pt:PyTorch", "mlp_onnx:OnnxRuntime"})
  void stackBatchingSplitsPerRequest(String modelAndEngine) throws Exception {
    String[] m = modelAndEngine.split(":");
    float[] x = TestTensors.floatsOf(TestModels.npy(m[0], "x.npy"));
    float[] y = TestTensors.floatsOf(TestModels.npy(m[0], "y.npy"));
    try (LoadedModel loaded = load(m[0], m[1], Map.of("batch_size", "4")); ModelWorker worker = loaded.newWorker(1)) {
      List<Input> batch = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        Tensor row = TestTensors.floats(null, shape(4), java.util.Arrays.copyOfRange(x, r * 4, r * 4 + 4));
        batch.add(request(NdListCodec.encode(List.of(row)), null, r == 0 ? "tensor/npz" : "application/json"));
      }
      batch.add(request("garbage!!!!".getBytes(StandardCharsets.UTF_8), "tensor/npz", null));
      List<Output> outputs = worker.predict(batch);
      assertThat(outputs).hasSize(3);
      Tensor first = decodeOne(outputs.get(0), "tensor/npz");
      assertThat(first.shape()).containsExactly(3);
      assertThat(TestTensors.floatsOf(first)).containsExactly(java.util.Arrays.copyOfRange(y, 0, 3), within(1e-5f));
      assertThat(outputs.get(1).getProperty("Content-Type", null)).isEqualTo("application/json");
      JsonArray second =
          JsonParser.parseString(outputs.get(1).getData().getAsString()).getAsJsonObject().getAsJsonArray("predictions");
      assertThat(second.get(2).getAsFloat()).isCloseTo(y[5], within(1e-5f));
      Output bad = outputs.get(2);
      assertThat(bad.getCode()).isEqualTo(400);
      assertThat(bad.getProperty("Content-Type", null)).isEqualTo("application/json");
      JsonObject error = JsonParser.parseString(bad.getData().getAsString()).getAsJsonObject();
      assertThat(error.get("type").getAsString()).isEqualTo("TranslateException");
      assertThat(error.get("message").getAsString()).contains("NDList");
    }
  }

  @Test
  void stackWithBatchSizeOneAddsAndRemovesTheBatchAxis() throws Exception {
    try (LoadedModel loaded = load("mlp_pt", "PyTorch", Map.of("batchifier", "stack"));
        ModelWorker worker = loaded.newWorker(1)) {
      Tensor row = TestTensors.floats(null, shape(4), 0.5f, -1, 2, 0.25f);
      Tensor out = decodeOne(worker.predict(List.of(request(NdListCodec.encode(List.of(row)), null, null))).get(0), null);
      assertThat(out.shape()).containsExactly(3);
    }
  }

  @Test
  void requestsOfDifferentShapesRunAsSeparateCalls() throws Exception {
    try (LoadedModel loaded = load("mlp_onnx", "OnnxRuntime", Map.of("batch_size", "8"));
        ModelWorker worker = loaded.newWorker(1)) {
      Tensor row = TestTensors.floats(null, shape(4), 0.5f, -1, 2, 0.25f);
      Tensor rows = TestTensors.floats(null, shape(2, 4), 0.5f, -1, 2, 0.25f, 1.5f, 0, -0.5f, 3);
      // the ONNX MLP takes rank-2 input only: stacked (k, 2, 4) is rejected by the engine, (k, 4) works
      List<Output> outputs =
          worker.predict(List.of(request(NdListCodec.encode(List.of(row)), null, null),
              request(NdListCodec.encode(List.of(rows)), null, null),
              request(NdListCodec.encode(List.of(row)), null, null)));
      assertThat(decodeOne(outputs.get(0), null).shape()).containsExactly(3);
      assertThat(outputs.get(1).getCode()).isEqualTo(400);
      assertThat(outputs.get(1).getData().getAsString()).contains("TranslateException");
      assertThat(TestTensors.floatsOf(decodeOne(outputs.get(2), null)))
          .containsExactly(TestTensors.floatsOf(decodeOne(outputs.get(0), null)));
    }
  }

  @Test
  void wholeBatchFailingTheSameWayThrows() throws Exception {
    try (LoadedModel loaded = load("mlp_onnx", "OnnxRuntime", Map.of("batch_size", "8"));
        ModelWorker worker = loaded.newWorker(1)) {
      Tensor wrong = TestTensors.floats(null, shape(5), 1, 2, 3, 4, 5);
      byte[] body = NdListCodec.encode(List.of(wrong));
      assertThatThrownBy(() -> worker.predict(List.of(request(body, null, null), request(body, null, null))))
          .isInstanceOf(BadInputException.class);
    }
  }

  @Test
  void concatBatchingKeepsEachRequestsRows() throws Exception {
    float[] x = TestTensors.floatsOf(TestModels.npy("mlp_pt", "x.npy"));
    float[] y = TestTensors.floatsOf(TestModels.npy("mlp_pt", "y.npy"));
    try (LoadedModel loaded = load("mlp_pt", "PyTorch", Map.of("batch_size", "4", "batchifier", "concat"));
        ModelWorker worker = loaded.newWorker(1)) {
      Tensor two = TestTensors.floats(null, shape(2, 4), x);
      Tensor one = TestTensors.floats(null, shape(1, 4), java.util.Arrays.copyOfRange(x, 4, 8));
      Tensor scalar = TestTensors.floats(null, shape(), 1);
      List<Output> outputs =
          worker.predict(List.of(request(NdListCodec.encode(List.of(two)), null, null),
              request(NdListCodec.encode(List.of(one)), null, "tensor/npz"),
              request(NdListCodec.encode(List.of(scalar)), null, null)));
      Tensor first = decodeOne(outputs.get(0), null);
      assertThat(first.shape()).containsExactly(2, 3);
      assertThat(TestTensors.floatsOf(first)).containsExactly(y, within(1e-5f));
      Tensor second = decodeOne(outputs.get(1), "tensor/npz");
      assertThat(second.shape()).containsExactly(1, 3);
      assertThat(TestTensors.floatsOf(second)).containsExactly(java.util.Arrays.copyOfRange(y, 3, 6), within(1e-5f));
      assertThat(outputs.get(2).getCode()).isEqualTo(400);
      assertThat(outputs.get(2).getData().getAsString()).contains("batchifier=concat needs a leading batch dimension");
    }
  }

  @Test
  void stackedStringsAndMultipleInputs() throws Exception {
    try (LoadedModel loaded = load("multi_onnx", "OnnxRuntime", Map.of("batch_size", "4"));
        ModelWorker worker = loaded.newWorker(1)) {
      List<Input> batch = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        Tensor a = TestTensors.floats("a", shape(2), r, 10 * r);
        ByteBuffer id = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(r).flip();
        Tensor b = Tensor.of("b", DType.INT64, shape(), id);
        Tensor s = Tensor.ofStrings("s", shape(), new String[] {"r" + r});
        batch.add(request(NpzCodec.encode(List.of(a, b, s)), "tensor/npz", null));
      }
      List<Output> outputs = worker.predict(batch);
      for (int r = 0; r < 3; r++) {
        List<Tensor> out = InputDecoder.decode(ByteBuffer.wrap(outputs.get(r).getData().getAsBytes()), null);
        assertThat(out.get(0).shape()).containsExactly(2);
        assertThat(TestTensors.floatsOf(out.get(0))).containsExactly(r + 1, 10 * r + 1);
        assertThat(out.get(1).shape()).isEmpty();
        assertThat(out.get(1).data().getLong(0)).isEqualTo(2L * r);
        assertThat(out.get(2).strings()).containsExactly("r" + r);
      }
    }
  }

  @Test
  void directUseOfTheModelsTranslator() throws Exception {
    TestModelContext ctx = TestModelContext.of(TestModels.dir("mlp_pt"), "PyTorch", Map.of());
    try (var model = ctx.loadDjlModel(new BinaryTranslator(BatchMode.NONE), Device.cpu());
        var predictor = model.newPredictor()) {
      Output out = predictor.predict(request(NpyCodec.encode(TestModels.npy("mlp_pt", "x.npy")), null, "tensor/npz"));
      assertThat(out.getProperty("Content-Type", null)).isEqualTo("tensor/npz");
      assertThat(TestTensors.floatsOf(decodeOne(out, "tensor/npz")))
          .containsExactly(TestTensors.floatsOf(TestModels.npy("mlp_pt", "y.npy")), within(1e-5f));
    }
  }

  // ---------------------------------------------------------------- helpers

  private LoadedModel load(String model, String engine, Map<String, String> properties) throws Exception {
    return provider.load(TestModelContext.of(TestModels.dir(model), engine, properties), Device.cpu());
  }

  static Input request(byte[] body, String contentType, String accept) {
    Input input = new Input();
    input.add("data", body);
    if (contentType != null) {
      input.addProperty("Content-Type", contentType);
    }
    if (accept != null) {
      input.addProperty("Accept", accept);
    }
    return input;
  }

  static Tensor decodeOne(Output out, String expectedType) {
    assertThat(out.getCode()).as("output code").isEqualTo(200);
    if (expectedType != null) {
      assertThat(out.getProperty("Content-Type", null)).isEqualTo(expectedType);
    }
    List<Tensor> tensors = InputDecoder.decode(ByteBuffer.wrap(out.getData().getAsBytes()), expectedType);
    assertThat(tensors).hasSize(1);
    return tensors.get(0);
  }
}
