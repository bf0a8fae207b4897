package io.servingkit.undertow;

import io.servingkit.api.conformance.HostileClientSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The hostile-client suite over {@link ServingHandler} on a real Undertow listener. */
class UndertowHostileClientTest extends HostileClientSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new UndertowServerUnderTest();
  }
}
