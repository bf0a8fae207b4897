package io.servingkit.binary;

import java.util.List;
import java.util.Locale;

/** The response encodings, and how a request picks one: DJL Serving's rule over {@code Accept} and {@code Content-Type}. */
enum OutputFormat {
  NDLIST(NdListCodec.MEDIA_TYPE),
  NPZ(NpzCodec.MEDIA_TYPE),
  SAFETENSORS(SafetensorsCodec.MEDIA_TYPE),
  JSON(JsonTensorCodec.MEDIA_TYPE),
  CSV(CsvTensorCodec.MEDIA_TYPE);

  private final String mediaType;

  OutputFormat(String mediaType) {
    this.mediaType = mediaType;
  }

  /** The {@code Content-Type} of responses in this format. */
  String mediaType() {
    return mediaType;
  }

  /** The format for a media type (parameters and case ignored); null when none matches. */
  static OutputFormat forMediaType(String mediaType) {
    if (mediaType == null) {
      return null;
    }
    String type = baseType(mediaType);
    for (OutputFormat f : values()) {
      if (f.mediaType.equals(type)) {
        return f;
      }
    }
    return null;
  }

  /**
   * Picks the response format by DJL Serving's rule ({@code NoopServingTranslatorFactory.processOutput}, compat.md
   * §7): {@link #NPZ} when {@code accept} or the request's {@code contentType} is {@code tensor/npz}; else
   * {@link #SAFETENSORS} when either is {@code tensor/safetensors}; else {@link #JSON} when either is
   * {@code application/json}; else {@link #CSV} when either is {@code text/csv} (ours: DJL has no CSV output); else
   * {@link #NDLIST}. {@code accept} is compared as a whole (case and surrounding blanks ignored), as DJL does, so a
   * list such as {@code text/html, tensor/npz} or a wildcard names no format; {@code contentType} loses its
   * parameters first.
   */
  static OutputFormat negotiate(String accept, String contentType) {
    String asked = accept == null ? "" : accept.strip().toLowerCase(Locale.ROOT);
    String sent = contentType == null ? "" : baseType(contentType);
    for (OutputFormat f : List.of(NPZ, SAFETENSORS, JSON, CSV)) {
      if (f.mediaType.equals(asked) || f.mediaType.equals(sent)) {
        return f;
      }
    }
    return NDLIST;
  }

  /** {@code Tensor/NPZ; charset=x} becomes {@code tensor/npz}. */
  static String baseType(String mediaType) {
    int semi = mediaType.indexOf(';');
    return (semi >= 0 ? mediaType.substring(0, semi) : mediaType).strip().toLowerCase(Locale.ROOT);
  }

  /** Encodes tensors in this format. */
  byte[] encode(List<Tensor> tensors) {
    switch (this) {
      case NPZ:
        return NpzCodec.encode(tensors);
      case SAFETENSORS:
        return SafetensorsCodec.encode(tensors);
      case JSON:
        return JsonTensorCodec.encode(tensors);
      case CSV:
        return CsvTensorCodec.encode(tensors);
      default:
        return NdListCodec.encode(tensors);
    }
  }
}
