package io.servingkit.servlet;

import io.servingkit.api.ServingApi;
import io.servingkit.api.conformance.ServerUnderTest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Serves a {@link ServingApi} through {@link ServingServlet} in a real embedded container at 127.0.0.1:0. */
final class ContainerServerUnderTest implements ServerUnderTest {

  private final EmbeddedContainer.Kind kind;
  private final EmbeddedContainer.Mount mount;
  private final List<EmbeddedContainer> started = new ArrayList<>();

  ContainerServerUnderTest(EmbeddedContainer.Kind kind, EmbeddedContainer.Mount mount) {
    this.kind = kind;
    this.mount = mount;
  }

  @Override
  public URI start(ServingApi api, String host) throws Exception {
    // the container's own connection timeout bounds a stalled request head, as a deployer would set it; kept
    // above the API's body timeout so that a stalled body gets its 408 before the container drops the connection
    EmbeddedContainer container =
        EmbeddedContainer.start(
            kind, new ServingServlet(api), mount, api.config().requestHeaderTimeout().multipliedBy(2), host);
    started.add(container);
    return URI.create(container.base() + "/");
  }

  /** The Servlet API cannot set a reason phrase. */
  @Override
  public boolean sendsReasonPhrases() {
    return false;
  }

  /** Tomcat answers {@code 100 Continue} before the servlet runs; Jetty when the servlet reads. */
  @Override
  public boolean withholdsContinueWhenRefusing() {
    return kind != EmbeddedContainer.Kind.TOMCAT;
  }

  /** Tomcat and Jetty answer a request they cannot parse with their own 400 page, before the servlet runs. */
  @Override
  public boolean answersUnparsableRequestsWithJson() {
    return false;
  }

  /** Tomcat hands the framing error to the servlet, which answers it; Jetty reads a non-hex size as 0. */
  @Override
  public boolean answersBrokenChunkedFraming() {
    return kind == EmbeddedContainer.Kind.TOMCAT;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (EmbeddedContainer c : started) {
      try {
        c.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    started.clear();
    if (first != null) {
      throw first;
    }
  }
}
