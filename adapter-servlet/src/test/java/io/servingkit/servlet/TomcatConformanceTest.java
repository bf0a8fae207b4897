package io.servingkit.servlet;

import io.servingkit.api.conformance.RestConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The REST conformance suite over {@link ServingServlet} in a real Tomcat 11, mapped at the root. */
class TomcatConformanceTest extends RestConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root());
  }
}
