package io.servingkit.api.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A minimal HTTP/1.1 client over a plain socket, for what {@code java.net.http} hides: the reason phrase, the
 * transfer encoding and the arrival of individual chunks. Every read has a 30 s timeout.
 */
final class RawHttp implements AutoCloseable {

  /** A status line and headers (names lower-cased). */
  record Head(String statusLine, int status, String reason, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private boolean afterChunkData;

  RawHttp(URI base) throws IOException {
    socket = new Socket(base.getHost(), base.getPort());
    socket.setSoTimeout(30_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends a request with an optional body (Content-Length set when {@code body} is not null). */
  void send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      sb.append("Content-Length: ").append(body.length).append("\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      out.write(body);
    }
    out.flush();
  }

  /** Sends raw bytes (for hand-made request framing). */
  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  Head readHead() throws IOException {
    String statusLine = readLine();
    String[] parts = statusLine.split(" ", 3);
    Map<String, String> headers = new TreeMap<>();
    for (String line = readLine(); !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
    }
    return new Head(statusLine, Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers);
  }

  /** Reads a whole body as the head says: Content-Length, or every chunk. */
  byte[] readBody(Head head) throws IOException {
    String length = head.header("content-length");
    if (length != null) {
      return in.readNBytes(Integer.parseInt(length));
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] chunk = readChunk(); chunk != null; chunk = readChunk()) {
      all.write(chunk);
    }
    return all.toByteArray();
  }

  /** Reads one chunk of a chunked body; null at the last (zero-length) chunk. */
  byte[] readChunk() throws IOException {
    String sizeLine = readLine();
    if (sizeLine.isEmpty() && afterChunkData) {
      // the CRLF that ends the previous chunk's data: a server may send it with the next chunk (Jetty does)
      sizeLine = readLine();
    }
    afterChunkData = false;
    int semi = sizeLine.indexOf(';');
    int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
    if (size == 0) {
      for (String trailer = readLine(); !trailer.isEmpty(); trailer = readLine()) {
        // skip trailers
      }
      return null;
    }
    byte[] data = in.readNBytes(size);
    afterChunkData = true;
    return data;
  }

  /** Chunks read with {@link #readChunk()} until the end, as strings. */
  List<String> readChunks() throws IOException {
    List<String> chunks = new ArrayList<>();
    for (byte[] c = readChunk(); c != null; c = readChunk()) {
      chunks.add(new String(c, StandardCharsets.UTF_8));
    }
    return chunks;
  }

  /**
   * Reads and drops whatever else the server sends until it closes the connection (an end of stream or a
   * reset); fails when the server keeps it open past the 30 s read timeout.
   */
  void awaitClosed() throws IOException {
    byte[] sink = new byte[8192];
    try {
      while (in.read(sink) >= 0) {
        // drop
      }
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for 30 s", e);
    } catch (java.net.SocketException e) {
      // reset: closed as well
    }
  }

  /** Half-closes the sending side. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        break;
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    if (b == -1 && line.size() == 0) {
      throw new IOException("connection closed");
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
