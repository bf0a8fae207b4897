package io.servingkit.servlet;

import io.servingkit.api.conformance.HostileClientSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The hostile-client suite over {@link ServingServlet} in a real embedded Tomcat 11. */
class TomcatHostileClientTest extends HostileClientSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root());
  }
}
