package io.servingkit.api.conformance;

import io.servingkit.ModelServer;
import io.servingkit.api.ServingApi;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** The protocol's REST form on an HTTP adapter ({@link ServerUnderTest}), with a JSON and a binary client. */
public final class HttpOipTransport implements OipTransport {
  private final ServerUnderTest sut;
  private final List<ServingApi> apis = new ArrayList<>();

  public HttpOipTransport(ServerUnderTest sut) {
    this.sut = sut;
  }

  @Override
  public List<OipClient> serve(ModelServer server) throws Exception {
    ServingApi api = new ServingApi(server);
    apis.add(api);
    URI base = sut.start(api);
    return List.of(new RestOipClient(base, false), new RestOipClient(base, true));
  }

  @Override
  public void close() throws Exception {
    try {
      sut.close();
    } finally {
      apis.forEach(ServingApi::close);
    }
  }
}
