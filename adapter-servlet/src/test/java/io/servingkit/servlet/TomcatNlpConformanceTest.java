package io.servingkit.servlet;

import io.servingkit.api.conformance.NlpConformanceSuite;
import io.servingkit.api.conformance.ServerUnderTest;

/** The Hugging Face NLP models over {@link ServingServlet} in a real Tomcat. */
class TomcatNlpConformanceTest extends NlpConformanceSuite {
  @Override
  protected ServerUnderTest newServerUnderTest() {
    return new ContainerServerUnderTest(EmbeddedContainer.Kind.TOMCAT, EmbeddedContainer.Mount.root());
  }
}
