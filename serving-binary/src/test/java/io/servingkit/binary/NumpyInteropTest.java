package io.servingkit.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.servingkit.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Arrays saved by real numpy decode to the same values, and what we encode loads in real numpy. */
class NumpyInteropTest {
  private static final String SCRIPT = "/io/servingkit/binary/numpy_interop.py";

  @Test
  void numpyFilesDecode(@TempDir Path dir) throws IOException {
    Python.run(SCRIPT, dir, 120, "write", dir.toString());
    JsonArray manifest = new Gson().fromJson(Files.readString(dir.resolve("manifest.json")), JsonArray.class);
    assertThat(manifest.size()).isGreaterThan(90);
    for (JsonElement e : manifest) {
      JsonObject c = e.getAsJsonObject();
      String file = c.get("file").getAsString();
      ByteBuffer body = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(file)));
      if (c.has("error")) {
        assertThatThrownBy(() -> InputDecoder.decode(body, "tensor/npz"))
            .as(file)
            .isInstanceOf(BadInputException.class)
            .hasMessageContaining(c.get("error").getAsString());
        continue;
      }
      List<Tensor> tensors = InputDecoder.decode(body, null);
      JsonArray arrays = c.getAsJsonArray("arrays");
      assertThat(tensors).as(file).hasSize(arrays.size());
      for (int i = 0; i < tensors.size(); i++) {
        assertMatches(file + "[" + i + "]", tensors.get(i), arrays.get(i).getAsJsonObject());
      }
    }
  }

  private static void assertMatches(String what, Tensor t, JsonObject want) {
    String name = want.get("name").isJsonNull() ? null : want.get("name").getAsString();
    assertThat(t.name()).as(what + " name").isEqualTo(name);
    List<Long> shape = new ArrayList<>();
    want.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsLong()));
    assertThat(t.shape()).as(what + " shape").containsExactly(shape.stream().mapToLong(Long::longValue).toArray());
    char kind = want.get("kind").getAsString().charAt(0);
    if (kind == 'U' || kind == 'S') {
      assertThat(t.dtype()).as(what + " dtype").isEqualTo(DType.STRING);
      List<String> strings = new ArrayList<>();
      want.getAsJsonArray("strings").forEach(s -> strings.add(s.getAsString()));
      assertThat(t.strings()).as(what + " strings").containsExactlyElementsOf(strings);
    } else {
      assertThat(t.dtype()).as(what + " dtype").isEqualTo(DType.fromNumpy(kind, want.get("itemsize").getAsInt()));
      assertThat(CodecRoundTripTest.hex(bytes(t))).as(what + " data").isEqualTo(want.get("hex").getAsString());
    }
  }

  @Test
  void ourFilesLoadInNumpy(@TempDir Path dir) throws IOException {
    JsonArray expected = new JsonArray();
    long seed = 0;
    for (DType dtype : DType.values()) {
      if (dtype == DType.BFLOAT16) {
        continue;
      }
      for (long[] shape : CodecRoundTripTest.SHAPES) {
        seed++;
        Tensor unnamed = TestTensors.random(null, dtype, shape, seed);
        Tensor named = TestTensors.random("named_" + seed, dtype, shape, -seed);
        String npz = "ours_" + seed + ".npz";
        Files.write(dir.resolve(npz), NpzCodec.encode(List.of(unnamed, named)));
        expected.add(expectation(npz, List.of(unnamed, named)));
        String npy = "ours_" + seed + ".npy";
        Files.write(dir.resolve(npy), NpyCodec.encode(named));
        expected.add(expectation(npy, List.of(named)));
      }
    }
    Files.writeString(dir.resolve("expected.json"), expected.toString());
    String out = Python.run(SCRIPT, dir, 120, "check", dir.toString());
    assertThat(out).contains("checked " + expected.size() + " files");
  }

  private static JsonObject expectation(String file, List<Tensor> tensors) {
    JsonObject c = new JsonObject();
    c.addProperty("file", file);
    JsonArray arrays = new JsonArray();
    int unnamed = 0;
    for (Tensor t : tensors) {
      JsonObject a = new JsonObject();
      a.add("name", null);
      a.addProperty("key", t.name() == null ? "arr_" + unnamed++ : t.name());
      JsonArray shape = new JsonArray();
      for (long d : t.shape()) {
        shape.add(d);
      }
      a.add("shape", shape);
      if (t.dtype() == DType.STRING) {
        a.addProperty("kind", "U");
        JsonArray strings = new JsonArray();
        for (String s : t.strings()) {
          strings.add(s);
        }
        a.add("strings", strings);
      } else {
        a.addProperty("kind", t.dtype().numpyCode().substring(0, 1));
        a.addProperty("itemsize", t.dtype().width());
        a.addProperty("hex", CodecRoundTripTest.hex(bytes(t)));
      }
      arrays.add(a);
    }
    c.add("arrays", arrays);
    return c;
  }

  private static byte[] bytes(Tensor t) {
    ByteBuffer data = t.data();
    byte[] b = new byte[data.remaining()];
    data.get(b);
    return b;
  }
}
