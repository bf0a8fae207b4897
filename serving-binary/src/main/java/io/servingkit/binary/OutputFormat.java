package io.servingkit.binary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The response encodings, and how a request picks one: {@code Accept} first, then its own {@code Content-Type}. */
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
   * Picks the response format as DJL Serving does (transcripts §1–2): a request whose {@code contentType} is a
   * tensor type ({@code tensor/ndlist}, {@code tensor/npz}, {@code tensor/safetensors}) is answered in that type,
   * whatever {@code Accept} says; otherwise the most preferred type of {@code accept} (by {@code q}, then order)
   * that names a format; else the request's own {@code contentType} when it names one (JSON, CSV); else
   * {@link #NDLIST}. Wildcards such as {@code *}{@code /*} name no format.
   */
  static OutputFormat negotiate(String accept, String contentType) {
    OutputFormat requested = forMediaType(contentType);
    if (requested == NDLIST || requested == NPZ || requested == SAFETENSORS) {
      return requested;
    }
    if (accept != null) {
      List<String[]> ranges = new ArrayList<>();
      for (String part : accept.split(",")) {
        String[] fields = part.split(";");
        double q = 1;
        for (int i = 1; i < fields.length; i++) {
          String p = fields[i].strip();
          if (p.startsWith("q=") || p.startsWith("Q=")) {
            try {
              q = Double.parseDouble(p.substring(2).strip());
            } catch (NumberFormatException e) {
              q = 0;
            }
          }
        }
        if (q > 0) {
          ranges.add(new String[] {fields[0], Double.toString(q)});
        }
      }
      ranges.sort((a, b) -> Double.compare(Double.parseDouble(b[1]), Double.parseDouble(a[1])));
      for (String[] range : ranges) {
        OutputFormat f = forMediaType(range[0]);
        if (f != null) {
          return f;
        }
      }
    }
    OutputFormat f = forMediaType(contentType);
    return f == null ? NDLIST : f;
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
