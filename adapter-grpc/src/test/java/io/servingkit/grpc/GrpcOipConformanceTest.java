package io.servingkit.grpc;

import io.servingkit.ModelServer;
import io.servingkit.api.ApiConfig;
import io.servingkit.api.conformance.OipClient;
import io.servingkit.api.conformance.OipConformanceSuite;
import io.servingkit.api.conformance.OipTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The Open Inference Protocol suite over {@link GrpcServer} with grpc-java's client on a real loopback port, inputs
 * sent raw ({@code raw_input_contents}) and typed ({@code contents}).
 */
class GrpcOipConformanceTest extends OipConformanceSuite {
  @Override
  protected OipTransport newTransport() {
    return new OipTransport() {
      private final List<GrpcServer> servers = new ArrayList<>();

      @Override
      public List<OipClient> serve(ModelServer server) {
        GrpcServer grpc =
            GrpcServer.start(server, new InetSocketAddress("127.0.0.1", 0), ApiConfig.DEFAULT_MAX_REQUEST_SIZE);
        servers.add(grpc);
        return List.of(new GrpcOipClient(grpc.port()), new GrpcOipClient(grpc.port(), true));
      }

      @Override
      public void close() {
        servers.forEach(GrpcServer::close);
      }
    };
  }
}
