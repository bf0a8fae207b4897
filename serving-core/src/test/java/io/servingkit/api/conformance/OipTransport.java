package io.servingkit.api.conformance;

import io.servingkit.ModelServer;
import java.util.List;

/**
 * A transport the Open Inference Protocol suite runs on: serves a {@link ModelServer}'s protocol on a real
 * loopback port and hands out clients for it.
 */
public interface OipTransport extends AutoCloseable {

  /** Serves {@code server} on a new listener (port 0) and returns clients speaking to it. */
  List<OipClient> serve(ModelServer server) throws Exception;

  /** Stops every listener and client; does not close the model servers. */
  @Override
  void close() throws Exception;
}
