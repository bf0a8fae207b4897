package io.servingkit.api.conformance;

import io.servingkit.api.ServingApi;
import java.net.URI;

/**
 * An HTTP adapter as the conformance suite drives it: serve a {@link ServingApi} on the loopback interface at
 * an ephemeral port, then stop. Each adapter module implements this once and runs {@link
 * RestConformanceSuite} against it.
 */
public interface ServerUnderTest extends AutoCloseable {

  /**
   * Starts serving {@code api} on 127.0.0.1, port 0 (any free port), and returns the base URI such as
   * {@code http://127.0.0.1:41234} under which the API's paths ({@code /ping}, {@code /models}) answer.
   * May be called several times; each call starts one more listener, all stopped by {@link #close()}.
   */
  default URI start(ServingApi api) throws Exception {
    return start(api, "127.0.0.1");
  }

  /**
   * As {@link #start(ServingApi)}, listening on {@code host} (an IP literal of this machine): a client that
   * connects to a non-loopback address of the machine reaches the API from that address, not from loopback.
   */
  URI start(ServingApi api, String host) throws Exception;

  /**
   * Whether the adapter sends the API's own reason phrases ({@code HTTP/1.1 424 invoke handler failure}).
   * The Servlet API cannot set one (Tomcat sends none at all), so servlet adapters answer false and the suite
   * then checks the status code of those lines only.
   */
  default boolean sendsReasonPhrases() {
    return true;
  }

  /**
   * Whether {@code Expect: 100-continue} on a body the API refuses (413) is answered without an interim
   * {@code 100 Continue}. Tomcat sends {@code 100 Continue} as soon as it has parsed the head, before the
   * servlet runs (its alternative, {@code continueResponseTiming="onRead"}, never sends it to a servlet that
   * reads without blocking); the suite then accepts one {@code 100} before the 413, which still arrives
   * without the body being sent.
   */
  default boolean withholdsContinueWhenRefusing() {
    return true;
  }

  /**
   * Whether a request the HTTP layer cannot parse at all (a malformed request line, header or percent-escape) is
   * answered with the API's JSON 400. A servlet container answers those itself, before any web application sees
   * them, so servlet adapters answer false and the hostile-client suite then checks the status code only.
   */
  default boolean answersUnparsableRequestsWithJson() {
    return true;
  }

  /**
   * Whether a chunked body whose chunk-size line is not hex gets the API's JSON 400. Tomcat hands the framing error
   * to the servlet, which answers it; Undertow closes the connection inside its chunk decoder before any handler
   * can answer, and Jetty reads such a size leniently (as 0, ending the body) and serves the request: there the
   * hostile-client suite checks only that the server goes on.
   */
  default boolean answersBrokenChunkedFraming() {
    return true;
  }

  /** Stops every listener started; does not close the APIs or their model servers. */
  @Override
  void close() throws Exception;
}
