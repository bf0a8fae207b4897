package io.servingkit.undertow;

import io.servingkit.ServingConfig;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The standalone server's listeners, opened on XNIO the way {@link Undertow#start()} opens them (same worker
 * sizing, socket options and buffers), with one difference Undertow's builder does not allow: every accepted
 * connection gets a {@link JsonBadRequestConduit} under Undertow's own, so that a request Undertow cannot parse
 * is answered with the API's JSON 400 instead of an empty one.
 *
 * <p>Threading: opened and closed once, from any thread.
 */
final class Listeners implements AutoCloseable {

  /** One listener: where, with which TLS identity (null for plain HTTP), serving what. */
  record Listener(ServingConfig.Address address, SSLContext tls, HttpHandler handler, Supplier<byte[]> badRequest) {}

  /** A listener opened for a while on the same worker ({@link #openBeside}); closing it stops its accepts. */
  record Beside(URI address, AcceptingChannel<? extends StreamConnection> channel) implements AutoCloseable {
    @Override
    public void close() {
      IoUtils.safeClose(channel);
    }
  }

  private final Xnio xnio;
  private final XnioWorker worker;
  private final OptionMap socketOptions;
  private final OptionMap httpOptions;
  private final ByteBufferPool buffers;
  private final List<AcceptingChannel<? extends StreamConnection>> channels = new ArrayList<>();
  private final List<URI> addresses = new ArrayList<>();

  private Listeners(Xnio xnio, XnioWorker worker, OptionMap undertowOptions) {
    this.xnio = xnio;
    this.worker = worker;
    this.socketOptions =
        OptionMap.builder()
            .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
            .set(Options.TCP_NODELAY, true)
            .set(Options.REUSE_ADDRESSES, true)
            .set(Options.BALANCING_TOKENS, 1)
            .set(Options.BALANCING_CONNECTIONS, 2)
            .set(Options.BACKLOG, 1000)
            .getMap();
    this.httpOptions =
        OptionMap.builder().set(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000).addAll(undertowOptions).getMap();
    boolean direct = Runtime.getRuntime().maxMemory() >= 128L * 1024 * 1024;
    this.buffers = new DefaultByteBufferPool(direct, direct ? 16 * 1024 - 20 : 1024, -1, 4);
  }

  /** Opens every listener; on failure closes what was opened. */
  static Listeners open(List<Listener> listeners, OptionMap undertowOptions) {
    Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
    int ioThreads = Math.max(Runtime.getRuntime().availableProcessors(), 2);
    XnioWorker worker;
    try {
      worker =
          xnio.createWorker(
              OptionMap.builder()
                  .set(Options.WORKER_IO_THREADS, ioThreads)
                  .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                  .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                  .set(Options.WORKER_TASK_CORE_THREADS, ioThreads * 8)
                  .set(Options.WORKER_TASK_MAX_THREADS, ioThreads * 8)
                  .set(Options.TCP_NODELAY, true)
                  .set(Options.CORK, true)
                  .getMap());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the XNIO worker", e);
    }
    Listeners opened = new Listeners(xnio, worker, undertowOptions);
    try {
      for (Listener l : listeners) {
        AcceptingChannel<? extends StreamConnection> channel = opened.bind(l);
        opened.channels.add(channel);
        opened.addresses.add(address(channel, l.tls() != null));
      }
    } catch (IOException | RuntimeException e) {
      opened.channels.forEach(IoUtils::safeClose);
      worker.shutdownNow();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot listen: " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
    return opened;
  }

  /**
   * Opens one more listener on the same worker, IO threads and buffers, until the returned handle is closed (the
   * server's warm-up listener: the threads that will serve real requests are the ones it warms).
   *
   * @throws UncheckedIOException when it cannot bind
   */
  Beside openBeside(Listener l) {
    try {
      AcceptingChannel<? extends StreamConnection> channel = bind(l);
      return new Beside(address(channel, l.tls() != null), channel);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
    }
  }

  private AcceptingChannel<? extends StreamConnection> bind(Listener l) throws IOException {
    HttpOpenListener http = new HttpOpenListener(buffers, httpOptions);
    http.setRootHandler(l.handler());
    ChannelListener<StreamConnection> open =
        connection -> {
          connection
              .getSinkChannel()
              .setConduit(new JsonBadRequestConduit(connection.getSinkChannel().getConduit(), l.badRequest()));
          http.handleEvent(connection);
        };
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(l.address().host()), l.address().port());
    AcceptingChannel<? extends StreamConnection> channel;
    if (l.tls() != null) {
      UndertowXnioSsl ssl = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), l.tls());
      @SuppressWarnings({"unchecked", "rawtypes"})
      ChannelListener<AcceptingChannel<org.xnio.ssl.SslConnection>> accept =
          (ChannelListener) ChannelListeners.openListenerAdapter(open);
      channel = ssl.createSslConnectionServer(worker, bind, accept, socketOptions);
    } else {
      channel = worker.createStreamConnectionServer(bind, ChannelListeners.openListenerAdapter(open), socketOptions);
    }
    channel.resumeAccepts();
    return channel;
  }

  private static URI address(AcceptingChannel<? extends StreamConnection> channel, boolean tls) {
    InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
    String host = bound.getAddress().getHostAddress();
    return URI.create(
        (tls ? "https" : "http") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort());
  }

  /** The bound addresses, in the order the listeners were given. */
  List<URI> addresses() {
    return List.copyOf(addresses);
  }

  /** Stops accepting, closes the listeners and stops the worker (open connections are closed). */
  @Override
  public void close() {
    channels.forEach(IoUtils::safeClose);
    worker.shutdownNow();
    try {
      worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
