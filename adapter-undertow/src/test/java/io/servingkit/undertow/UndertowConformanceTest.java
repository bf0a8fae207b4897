package io.servingkit.undertow;

import io.servingkit.api.conformance.RestConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The REST conformance suite over {@link ServingHandler} on a real Undertow listener. */
class UndertowConformanceTest extends RestConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
