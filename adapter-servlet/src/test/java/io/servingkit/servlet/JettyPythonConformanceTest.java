package io.servingkit.servlet;

import io.servingkit.api.conformance.PythonConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** Python mode (real /usr/bin/python3 worker processes) over {@link ServingServlet} in a real Jetty. */
class JettyPythonConformanceTest extends PythonConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.JETTY, EmbeddedContainer.Mount.root());
  }
}
