package io.servingkit.undertow;

import io.servingkit.api.conformance.NlpConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The Hugging Face NLP models over {@link ServingHandler} on a real Undertow listener. */
class UndertowNlpConformanceTest extends NlpConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
