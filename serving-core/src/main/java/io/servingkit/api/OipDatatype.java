package io.servingkit.api;

import io.servingkit.BadInputException;

/**
 * The Open Inference Protocol's tensor datatypes: their element sizes and their names in DJL's NDList encoding
 * (the form in which V2 tensors reach a model). {@link #BYTES} elements vary in size: each is a 4-byte
 * little-endian length followed by its bytes.
 */
enum OipDatatype {
  BOOL(1, "BOOLEAN"),
  UINT8(1, "UINT8"),
  UINT16(2, "UINT16"),
  UINT32(4, "UINT32"),
  UINT64(8, "UINT64"),
  INT8(1, "INT8"),
  INT16(2, "INT16"),
  INT32(4, "INT32"),
  INT64(8, "INT64"),
  FP16(2, "FLOAT16"),
  BF16(2, "BFLOAT16"),
  FP32(4, "FLOAT32"),
  FP64(8, "FLOAT64"),
  BYTES(0, "STRING");

  private final int width;
  private final String ndList;

  OipDatatype(int width, String ndList) {
    this.width = width;
    this.ndList = ndList;
  }

  /** Bytes per element; 0 for {@link #BYTES}. */
  int width() {
    return width;
  }

  /** The DJL {@code DataType} name written in an NDList. */
  String ndListName() {
    return ndList;
  }

  /**
   * The datatype named {@code name}.
   *
   * @throws BadInputException for a name the protocol does not define
   */
  static OipDatatype of(String name, String tensor) {
    if (name != null) {
      switch (name) {
        case "BOOL": return BOOL;
        case "UINT8": return UINT8;
        case "UINT16": return UINT16;
        case "UINT32": return UINT32;
        case "UINT64": return UINT64;
        case "INT8": return INT8;
        case "INT16": return INT16;
        case "INT32": return INT32;
        case "INT64": return INT64;
        case "FP16": return FP16;
        case "BF16": return BF16;
        case "FP32": return FP32;
        case "FP64": return FP64;
        case "BYTES": return BYTES;
        default: break;
      }
    }
    throw new BadInputException(
        "tensor " + tensor + " has unknown datatype " + name
            + " (expected BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, BF16, FP32, FP64"
            + " or BYTES)");
  }

  /** The datatype of an NDList dtype name, or null when the protocol has none (COMPLEX64, UNKNOWN). */
  static OipDatatype ofNdList(String name) {
    if ("BOOL".equals(name)) {
      return BOOL;
    }
    for (OipDatatype t : values()) {
      if (t.ndList.equals(name)) {
        return t;
      }
    }
    return null;
  }
}
