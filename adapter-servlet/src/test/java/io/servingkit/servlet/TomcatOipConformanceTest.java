package io.servingkit.servlet;

import io.servingkit.api.conformance.HttpOipTransport;
import io.servingkit.api.conformance.OipConformanceSuite;
import io.servingkit.api.conformance.OipTransport;

/** The Open Inference Protocol suite over {@link ServingServlet} in a real Tomcat 11. */
class TomcatOipConformanceTest extends OipConformanceSuite {
  @Override
  protected OipTransport newTransport() {
    return new HttpOipTransport(
        new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root()));
  }
}
