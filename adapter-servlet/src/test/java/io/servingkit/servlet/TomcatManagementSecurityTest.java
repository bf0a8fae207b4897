package io.servingkit.servlet;

import io.servingkit.api.conformance.ManagementSecuritySuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The management security attacks over {@link ServingServlet} in a real Tomcat 11, mapped at the root. */
class TomcatManagementSecurityTest extends ManagementSecuritySuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root());
  }
}
