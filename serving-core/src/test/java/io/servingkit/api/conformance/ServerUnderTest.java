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
  URI start(ServingApi api) throws Exception;

  /**
   * Whether the adapter sends the API's own reason phrases ({@code HTTP/1.1 424 invoke handler failure}).
   * The Servlet API cannot set one (Tomcat sends none at all), so servlet adapters answer false and the suite
   * then checks the status code of those lines only.
   */
  default boolean sendsReasonPhrases() {
    return true;
  }

  /** Stops every listener started; does not close the APIs or their model servers. */
  @Override
  void close() throws Exception;
}
