package io.servingkit.internal.loading;

import ai.djl.engine.Engine;

/**
 * Test access to the library's native-library set-up, for test helpers outside this package (the test-jar is
 * shared with other modules).
 */
public final class TestNatives {

  private TestNatives() {}

  /**
   * Unpacks the TensorFlow natives the way a TensorFlow model load does and starts DJL's TensorFlow engine, so that
   * the TensorFlow Java classes can be used directly.
   */
  public static void installTensorFlow() {
    TensorFlowNatives.install(DefaultModelContext.hostClassLoader());
    Engine.getEngine("TensorFlow");
  }
}
