package io.servingkit.binary;

import ai.djl.ndarray.types.DataType;

/**
 * The element types the codecs understand, with their spelling in each wire format. {@link #STRING} holds text
 * elements; every other type is fixed-width and stored little-endian.
 */
enum DType {
  FLOAT32(4, 'f', "F32", DataType.FLOAT32),
  FLOAT64(8, 'f', "F64", DataType.FLOAT64),
  FLOAT16(2, 'f', "F16", DataType.FLOAT16),
  BFLOAT16(2, '\0', "BF16", DataType.BFLOAT16),
  UINT8(1, 'u', "U8", DataType.UINT8),
  INT8(1, 'i', "I8", DataType.INT8),
  INT16(2, 'i', "I16", DataType.INT16),
  UINT16(2, 'u', "U16", DataType.UINT16),
  INT32(4, 'i', "I32", DataType.INT32),
  UINT32(4, 'u', "U32", DataType.UINT32),
  INT64(8, 'i', "I64", DataType.INT64),
  UINT64(8, 'u', "U64", DataType.UINT64),
  BOOLEAN(1, 'b', "BOOL", DataType.BOOLEAN),
  COMPLEX64(8, 'c', "C64", DataType.COMPLEX64),
  STRING(0, 'U', null, DataType.STRING);

  private final int width;
  private final char numpyKind;
  private final String safetensorsName;
  private final DataType djl;

  DType(int width, char numpyKind, String safetensorsName, DataType djl) {
    this.width = width;
    this.numpyKind = numpyKind;
    this.safetensorsName = safetensorsName;
    this.djl = djl;
  }

  /** Bytes per element; 0 for {@link #STRING}. */
  int width() {
    return width;
  }

  /** Bytes that swap together when the byte order changes: the width, or half of it for complex numbers. */
  int swapUnit() {
    return this == COMPLEX64 ? width / 2 : width;
  }

  /** The DJL data type. */
  DataType djl() {
    return djl;
  }

  /** The name written in an NDList ({@code FLOAT32}, {@code BOOLEAN}, ...). */
  String ndListName() {
    return name();
  }

  /** The numpy type string without byte order, e.g. {@code f4}; null for types numpy lacks. */
  String numpyCode() {
    if (this == STRING || numpyKind == '\0') {
      return null;
    }
    return String.valueOf(numpyKind) + width;
  }

  /** The safetensors dtype ({@code F32}, ...); null for {@link #STRING}. */
  String safetensorsName() {
    return safetensorsName;
  }

  /**
   * The type named in an NDList: DJL's enum names, plus {@code BOOL} as written by numpy-based writers.
   *
   * @return the type, or null when the name is unknown
   */
  static DType fromNdListName(String name) {
    if ("BOOL".equals(name)) {
      return BOOLEAN;
    }
    for (DType t : values()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** The type for a numpy kind character and width ({@code 'f', 4}); null when unsupported. */
  static DType fromNumpy(char kind, int width) {
    for (DType t : values()) {
      if (t != STRING && t.numpyKind == kind && t.width == width) {
        return t;
      }
    }
    return null;
  }

  /** The type for a safetensors dtype name; null when unsupported. */
  static DType fromSafetensors(String name) {
    for (DType t : values()) {
      if (name.equals(t.safetensorsName)) {
        return t;
      }
    }
    return null;
  }

  /** The type of a DJL data type; null for types the codecs cannot carry ({@code UNKNOWN}). */
  static DType fromDjl(DataType type) {
    for (DType t : values()) {
      if (t.djl == type) {
        return t;
      }
    }
    return null;
  }
}
