package io.servingkit.undertow;

import io.servingkit.api.conformance.HttpOipTransport;
import io.servingkit.api.conformance.OipConformanceSuite;
import io.servingkit.api.conformance.OipTransport;

/** The Open Inference Protocol suite over {@link ServingHandler} on Undertow. */
class UndertowOipConformanceTest extends OipConformanceSuite {
  @Override
  protected OipTransport newTransport() {
    return new HttpOipTransport(new UndertowServerUnderTest());
  }
}
