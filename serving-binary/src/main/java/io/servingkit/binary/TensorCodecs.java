package io.servingkit.binary;

import ai.djl.modality.Input;
import ai.djl.ndarray.BytesSupplier;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;

/**
 * Converts request bodies to {@link NDList}s and {@link NDList}s to response bodies, in the formats DJL Serving's
 * binary mode speaks.
 *
 * <p>Decoding looks at the content: {@code application/json} (a nested array of numbers, or an object with an
 * {@code "inputs"} or {@code "instances"} array) and {@code text/csv} bodies are read as text; every other body is
 * recognised by its first bytes whatever its label: a zip ({@code PK}) is a numpy {@code .npz}, {@code \x93NUMPY} a
 * {@code .npy}, a JSON header at byte 8 safetensors, anything else DJL's NDList (versions 1 to 3, dtype {@code BOOL}
 * accepted for {@code BOOLEAN}). Malformed input fails with a {@link BadInputException} that names the problem and
 * where it is; sizes declared by a body are checked against the body before anything is allocated for them.
 *
 * <p>Encoding follows DJL Serving's rule over the request's {@code Accept} and {@code Content-Type} (either one
 * naming a type picks it, in this order): {@code tensor/npz}, {@code tensor/safetensors}, {@code application/json}
 * ({@code {"predictions": ...}}), {@code text/csv} (ours), else {@code tensor/ndlist}.
 *
 * <p>Threading: stateless; all methods may be called from any thread.
 */
public final class TensorCodecs {

  private TensorCodecs() {}

  /** An encoded response body and its {@code Content-Type}. */
  public static final class Encoded {
    private final byte[] body;
    private final String contentType;

    Encoded(byte[] body, String contentType) {
      this.body = body;
      this.contentType = contentType;
    }

    /** The bytes; owned by the caller. */
    public byte[] body() {
      return body;
    }

    /** The media type of the body, e.g. {@code tensor/npz}. */
    public String contentType() {
      return contentType;
    }
  }

  /**
   * Decodes the body of a request: its {@code data} entry (else its first entry), labelled by its
   * {@code Content-Type} property.
   *
   * @param manager where the arrays are created; the caller closes it
   * @throws BadInputException when the body is empty or malformed, or the engine cannot hold its types
   */
  public static NDList decode(Input input, NDManager manager) {
    Objects.requireNonNull(input, "input");
    return decode(body(input), header(input, "Content-Type"), manager);
  }

  /**
   * Decodes a request body.
   *
   * @param contentType the request's {@code Content-Type}, or null
   * @param manager where the arrays are created; the caller closes it
   * @throws BadInputException when the body is empty or malformed, or the engine cannot hold its types
   */
  public static NDList decode(byte[] body, String contentType, NDManager manager) {
    Objects.requireNonNull(body, "body");
    return decode(ByteBuffer.wrap(body), contentType, manager);
  }

  /**
   * Encodes arrays for a response.
   *
   * @param accept the request's {@code Accept} header, or null
   * @param contentType the request's {@code Content-Type}, or null
   * @throws BadInputException when the chosen format cannot hold the arrays (for example a 3-D array as CSV)
   */
  public static Encoded encode(NDList list, String accept, String contentType) {
    Objects.requireNonNull(list, "list");
    OutputFormat format = OutputFormat.negotiate(accept, contentType);
    return new Encoded(format.encode(NdArrays.view(list)), format.mediaType());
  }

  /** The request body: the {@code data} entry, else entry 0; empty when there is none. */
  static ByteBuffer body(Input input) {
    if (input.getContent().isEmpty()) {
      return ByteBuffer.allocate(0);
    }
    BytesSupplier data = input.getData();
    return data == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(data.getAsBytes());
  }

  /** A request property, looked up without regard to case. */
  static String header(Input input, String name) {
    String value = input.getProperty(name, null);
    if (value != null) {
      return value;
    }
    for (Map.Entry<String, String> e : input.getProperties().entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static NDList decode(ByteBuffer body, String contentType, NDManager manager) {
    Objects.requireNonNull(manager, "manager");
    return NdArrays.toNDList(InputDecoder.decode(body, contentType), manager);
  }
}
