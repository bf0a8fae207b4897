package io.servingkit.undertow;

import io.servingkit.api.conformance.PythonConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** Python mode ({@code examples/models/python}, real worker processes) over {@link ServingHandler} on Undertow. */
class UndertowPythonConformanceTest extends PythonConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
