package io.servingkit.binary;

import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The tiny models under src/test/resources/models (see src/test/models/make_models.py), and one built here. */
final class TestModels {
  private TestModels() {}

  static Path dir(String name) {
    try {
      return Path.of(TestModels.class.getResource("/models/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The single array of an .npy file next to a model. */
  static Tensor npy(String model, String file) {
    try {
      byte[] bytes = Files.readAllBytes(dir(model).resolve(file));
      List<Tensor> tensors = InputDecoder.decode(ByteBuffer.wrap(bytes), null);
      return tensors.get(0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes DJL's TensorFlow engine find its native libraries offline: copies them out of the
   * {@code tensorflow-core-native} jar on the test class path into DJL's engine cache folder, where DJL looks before it
   * would download, unless they are there already.
   */
  static void tensorflowNatives() throws IOException {
    Path target = Utils.getEngineCacheDir("tensorflow").resolve("2.16.1-cpu-linux-x86_64");
    for (String lib : List.of("libjnitensorflow.so", "libtensorflow_cc.so.2", "libtensorflow_framework.so.2")) {
      Path file = target.resolve(lib);
      if (Files.isRegularFile(file)) {
        continue;
      }
      Files.createDirectories(target);
      String resource = "org/tensorflow/internal/c_api/linux-x86_64/" + lib;
      try (InputStream in = TestModels.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IOException(resource + " is not on the test class path");
        }
        Path tmp = Files.createTempFile(target, lib, ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  /**
   * Writes a TensorFlow SavedModel computing {@code y = x * 2 + 1} for float32 {@code x} of shape (-1, 3) into
   * {@code dir}/add_tf, built with the TensorFlow Java API that DJL's TensorFlow engine ships.
   */
  static Path tensorflow(Path dir) throws IOException {
    tensorflowNatives();
    Path model = dir.resolve("add_tf");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Operand<TFloat32> y = tf.withName("y").math.add(tf.math.mul(x, tf.constant(2f)), tf.constant(1f));
      Signature signature = Signature.builder().key("serving_default").input("x", x).output("y", y).build();
      try (Session session = new Session(g)) {
        SavedModelBundle.exporter(model.toString()).withSession(session).withSignature(signature).export();
      }
    }
    return model;
  }
}
