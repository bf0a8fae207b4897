package io.servingkit.servlet;

import io.servingkit.api.conformance.HostileClientSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The hostile-client suite over {@link ServingServlet} in a real embedded Jetty 12 (ee10). */
class JettyHostileClientTest extends HostileClientSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.JETTY, EmbeddedContainer.Mount.root());
  }
}
