package io.servingkit.servlet;

import io.servingkit.api.conformance.RestConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The REST conformance suite over {@link ServingServlet} in a real Jetty 12 (ee10), mapped at the root. */
class JettyConformanceTest extends RestConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(
        EmbeddedContainer.Kind.JETTY, EmbeddedContainer.Mount.root());
  }
}
