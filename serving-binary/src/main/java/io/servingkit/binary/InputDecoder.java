package io.servingkit.binary;

import io.servingkit.BadInputException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Turns a request body into tensors. {@code application/json} and {@code text/csv} bodies are read as text; any other
 * body is recognised by its first bytes, whatever its label: {@code PK} is {@code .npz}, {@code \x93NUMPY} is
 * {@code .npy}, a {@code {}} at byte 8 is safetensors, anything else must be an NDList.
 */
final class InputDecoder {
  /** Bodies shorter than this cannot hold any tensor format. */
  private static final int MIN_LENGTH = 9;

  private InputDecoder() {}

  static List<Tensor> decode(ByteBuffer body, String contentType) {
    String type = contentType == null ? "" : OutputFormat.baseType(contentType);
    if (type.equals(JsonTensorCodec.MEDIA_TYPE)) {
      return JsonTensorCodec.decode(body);
    }
    if (type.equals(CsvTensorCodec.MEDIA_TYPE)) {
      return CsvTensorCodec.decode(body);
    }
    if (body.remaining() < MIN_LENGTH) {
      throw new BadInputException(
          "Invalid input length: " + body.remaining()
              + " bytes is too short for an NDList, .npy, .npz or safetensors body");
    }
    if (NpzCodec.isZip(body)) {
      return NpzCodec.decode(body);
    }
    if (NpyCodec.isNpy(body)) {
      return List.of(NpyCodec.decode(body, null, ".npy"));
    }
    if (SafetensorsCodec.isSafetensors(body)) {
      return SafetensorsCodec.decode(body);
    }
    return NdListCodec.decode(body);
  }
}
