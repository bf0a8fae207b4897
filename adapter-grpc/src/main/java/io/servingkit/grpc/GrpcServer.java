package io.servingkit.grpc;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.servingkit.ModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A small gRPC server (grpc-java on Netty) that serves one {@link InferenceService}: what the standalone server
 * starts on {@code grpc_address}. Calls run on Netty's event loop (the service never blocks); messages up to
 * {@code maxMessageBytes} are accepted (the REST {@code max_request_size}), larger ones fail with
 * {@code RESOURCE_EXHAUSTED}.
 *
 * <p>Threading: {@link #close()} may be called from any thread, once or more; it does not close the
 * {@link ModelServer}.
 */
public final class GrpcServer implements AutoCloseable {

  private final Server server;

  private GrpcServer(Server server) {
    this.server = server;
  }

  /**
   * Starts serving {@code models} on {@code address} (port 0: any free port).
   *
   * @param maxMessageBytes the largest message accepted, at least 1
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static GrpcServer start(ModelServer models, InetSocketAddress address, long maxMessageBytes) {
    return start(new InferenceService(Objects.requireNonNull(models, "models")), address, maxMessageBytes);
  }

  /**
   * Starts serving {@code service} on {@code address} (port 0: any free port).
   *
   * @param maxMessageBytes the largest message accepted, at least 1
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static GrpcServer start(InferenceService service, InetSocketAddress address, long maxMessageBytes) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(address, "address");
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be at least 1, got " + maxMessageBytes);
    }
    Server server =
        NettyServerBuilder.forAddress(address)
            .directExecutor()
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessageBytes))
            .addService(service)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve gRPC on " + address + ": " + e.getMessage(), e);
    }
    return new GrpcServer(server);
  }

  /** The port listened on. */
  public int port() {
    return server.getPort();
  }

  /** Stops accepting calls, waits up to 5 s for running ones, then cancels the rest. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  /**
   * Stops accepting calls, waits up to {@code bound} for running ones, then cancels the rest (and waits up to
   * {@code bound} again for the transport to stop).
   */
  public void close(Duration bound) {
    long nanos = Math.max(0, bound.toNanos());
    server.shutdown();
    try {
      if (!server.awaitTermination(nanos, TimeUnit.NANOSECONDS)) {
        server.shutdownNow().awaitTermination(Math.max(nanos, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
