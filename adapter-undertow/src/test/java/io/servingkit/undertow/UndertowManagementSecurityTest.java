package io.servingkit.undertow;

import io.servingkit.api.conformance.ManagementSecuritySuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The management security attacks over {@link ServingHandler} on a real Undertow listener. */
class UndertowManagementSecurityTest extends ManagementSecuritySuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
