package io.servingkit.servlet;

import io.servingkit.api.conformance.HttpOipTransport;
import io.servingkit.api.conformance.OipConformanceSuite;
import io.servingkit.api.conformance.OipTransport;

/** The Open Inference Protocol suite over {@link ServingServlet} in a real Jetty 12 (ee10). */
class JettyOipConformanceTest extends OipConformanceSuite {
  @Override
  protected OipTransport newTransport() {
    return new HttpOipTransport(
        new ContainerServerUnderTest(EmbeddedContainer.Kind.JETTY, EmbeddedContainer.Mount.root()));
  }
}
