package io.servingkit.api;

import ai.djl.modality.Input;
import ai.djl.ndarray.BytesSupplier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a request into a DJL {@link Input} the way DJL Serving does: query parameters become content entries
 * first, then form fields (multipart or url-encoded) or the raw body under {@code data} (even when empty);
 * headers become properties (looked up ignoring case), {@code content-type} normalised to its media type.
 */
final class InputFactory {

  static final String DATA = "data";

  private InputFactory() {}

  static Input toInput(ApiRequest request) {
    Input input = new Input();
    for (Map.Entry<String, List<String>> e : request.queryParameters().entrySet()) {
      for (String value : e.getValue()) {
        input.add(e.getKey(), value);
      }
    }
    for (Map.Entry<String, List<String>> e : request.headers().entrySet()) {
      String name = e.getKey();
      if ("handler".equalsIgnoreCase(name)) {
        throw new BadRequestException(
            "Request header \"handler\" is not allowed: it would choose the model's handler function");
      }
      List<String> values = e.getValue();
      input.addProperty(name, values.size() == 1 ? values.get(0) : String.join(",", values));
    }
    String mediaType = mediaType(request.header("Content-Type"));
    if (mediaType != null) {
      input.addProperty("content-type", mediaType);
    }
    ByteBuffer body = request.body();
    if ("multipart/form-data".equals(mediaType)) {
      MultipartParser.parse(body, request.header("Content-Type"), (name, part) -> input.add(name, bytes(part)));
    } else if ("application/x-www-form-urlencoded".equals(mediaType)) {
      String text = StandardCharsets.UTF_8.decode(body).toString();
      try {
        ApiRequest.parseForm(text, input::add);
      } catch (BadRequestException e) {
        // curl --data-binary labels any body this way; say how to send bytes
        throw new BadRequestException(
            e.getMessage()
                + " (the body is labelled application/x-www-form-urlencoded; send binary data with a Content-Type"
                + " such as application/octet-stream)");
      }
    } else {
      input.add(DATA, bytes(body));
    }
    return input;
  }

  /** The media type of a Content-Type value, lower case, without parameters; null when absent or empty. */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    return type.isEmpty() ? null : type;
  }

  /** The buffer's bytes without copying when it wraps a whole array; a copy otherwise. */
  static BytesSupplier bytes(ByteBuffer buffer) {
    if (buffer.hasArray()
        && buffer.arrayOffset() == 0
        && buffer.position() == 0
        && buffer.remaining() == buffer.array().length) {
      return BytesSupplier.wrap(buffer.array());
    }
    return new BufferBytes(buffer.slice());
  }

  /** Bytes held in a slice of a larger buffer; the slice is shared, copied only when asked for an array. */
  private static final class BufferBytes implements BytesSupplier {
    private final ByteBuffer buffer;

    BufferBytes(ByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public ByteBuffer toByteBuffer() {
      return buffer.duplicate();
    }

    @Override
    public byte[] getAsBytes() {
      byte[] out = new byte[buffer.remaining()];
      buffer.duplicate().get(out);
      return out;
    }

    @Override
    public String getAsString() {
      return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    }

    @Override
    public Object getAsObject() {
      return getAsBytes();
    }
  }
}
