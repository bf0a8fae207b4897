package io.servingkit.servlet;

import io.servingkit.api.conformance.PythonConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** Python mode (real /usr/bin/python3 worker processes) over {@link ServingServlet} in a real Tomcat. */
class TomcatPythonConformanceTest extends PythonConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root());
  }
}
