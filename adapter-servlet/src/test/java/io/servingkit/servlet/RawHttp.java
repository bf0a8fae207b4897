package io.servingkit.servlet;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A plain HTTP/1.1 client on one socket, for what {@code java.net.http} hides: chunk boundaries, a connection
 * closed in the middle of a chunked body, bytes sent piece by piece, keep-alive reuse.
 */
final class RawHttp implements AutoCloseable {

  /** A response head. */
  record Head(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean chunked() {
      return "chunked".equalsIgnoreCase(header("transfer-encoding"));
    }
  }

  /** A whole response. */
  record Response(Head head, byte[] body, List<String> chunks) {
    int status() {
      return head.status();
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private boolean afterChunkData;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Sends one chunk of a chunked request body. */
  RawHttp sendChunk(byte[] data) throws IOException {
    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(data);
    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  RawHttp endChunks() throws IOException {
    return send("0\r\n\r\n");
  }

  static String request(String method, String path, String... headers) {
    StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : headers) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  Head readHead() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ")) {
      throw new IOException("not a status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    Map<String, String> headers = new TreeMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.merge(
          h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip(), (a, b) -> a + ", " + b);
    }
    return new Head(code, headers);
  }

  /** The next chunk of a chunked body; null after the last chunk. Throws EOFException when the connection ends first. */
  String readChunk() throws IOException {
    String sizeLine = line();
    if (sizeLine.isEmpty() && afterChunkData) {
      sizeLine = line(); // the CRLF that ends the previous chunk's data; servers may send it late (Jetty does)
    }
    afterChunkData = false;
    int size = Integer.parseInt(sizeLine.split(";")[0].strip(), 16);
    if (size == 0) {
      while (!line().isEmpty()) {
        // trailers
      }
      return null;
    }
    byte[] data = in.readNBytes(size);
    if (data.length < size) {
      throw new EOFException("connection closed inside a chunk");
    }
    afterChunkData = true;
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Reads one whole response (Content-Length or chunked). */
  Response read() throws IOException {
    Head head = readHead();
    List<String> chunks = new ArrayList<>();
    byte[] body;
    if (head.chunked()) {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (String c = readChunk(); c != null; c = readChunk()) {
        chunks.add(c);
        all.writeBytes(c.getBytes(StandardCharsets.UTF_8));
      }
      body = all.toByteArray();
    } else {
      String length = head.header("content-length");
      int n = length == null ? 0 : Integer.parseInt(length);
      body = in.readNBytes(n);
      if (body.length < n) {
        throw new EOFException("connection closed after " + body.length + " of " + n + " body bytes");
      }
    }
    return new Response(head, body, chunks);
  }

  /** What arrives next within {@code millis}: a byte, -1 when the server closed the connection, -2 for nothing. */
  int probe(int millis) throws IOException {
    int saved = socket.getSoTimeout();
    socket.setSoTimeout(millis);
    try {
      return in.read();
    } catch (java.net.SocketTimeoutException e) {
      return -2;
    } catch (java.net.SocketException e) {
      return -1; // reset
    } finally {
      socket.setSoTimeout(saved);
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    throw new EOFException("connection closed" + (b.size() > 0 ? " after a partial line" : ""));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
