package io.servingkit.servlet;

import io.servingkit.api.conformance.ManagementSecuritySuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The management security attacks over {@link ServingServlet} in a real embedded Jetty 12 (ee10), mapped at the root. */
class JettyManagementSecurityTest extends ManagementSecuritySuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.JETTY, EmbeddedContainer.Mount.root());
  }
}
