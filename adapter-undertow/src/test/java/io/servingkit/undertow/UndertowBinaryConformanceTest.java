package io.servingkit.undertow;

import io.servingkit.api.conformance.BinaryConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** Binary mode ({@code examples/models/mlp-onnx}, {@code mlp-pt}) over {@link ServingHandler} on Undertow. */
class UndertowBinaryConformanceTest extends BinaryConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
