#!/usr/bin/python3
"""Reads and writes DJL's NDList encoding (Content-Type tensor/ndlist) with numpy and the standard library.

    python3 ndlist.py encode INPUT.npy OUTPUT.ndlist [NAME]    # one array, named NAME (default: input)
    python3 ndlist.py decode FILE.ndlist                       # prints every array

The format (version 3, big-endian, strings as a 2-byte length and UTF-8): int32 array count, then per array
"NDAR", int32 version, uint8 has-name [+ name], "DENSE", dtype name (FLOAT32, INT64, ...), int32 ndim, int64 per
dimension, int32 layout length and as many 2-byte layout characters, uint8 byte order ('<' or '>'), int32 byte
length and the C-order data. Versions 1 and 2 (no byte-order mark, little-endian data) are read too.
"""
import struct
import sys

import numpy as np

DTYPES = {"FLOAT16": "f2", "FLOAT32": "f4", "FLOAT64": "f8", "INT8": "i1", "UINT8": "u1", "INT32": "i4",
          "INT64": "i8", "BOOLEAN": "?"}


def _utf(value):
    data = value.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def encode(arrays):
    """Encodes a dict of name -> numpy array (in order) as an NDList."""
    names = {v: k for k, v in DTYPES.items()}
    out = [struct.pack(">i", len(arrays))]
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        dtype = names[array.dtype.str[1:]]
        out += [_utf("NDAR"), struct.pack(">iB", 3, 1), _utf(name), _utf("DENSE"), _utf(dtype)]
        out.append(struct.pack(">i%dq" % array.ndim, array.ndim, *array.shape))
        out.append(struct.pack(">i", array.ndim) + b"\0?" * array.ndim)
        data = array.astype(array.dtype.newbyteorder("<")).tobytes()
        out.append(b"<" + struct.pack(">i", len(data)) + data)
    return b"".join(out)


def decode(data):
    """Decodes an NDList into a list of (name or None, numpy array)."""
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return values

    def utf():
        nonlocal pos
        (n,) = take(">H")
        pos += n
        return data[pos - n:pos].decode("utf-8")

    (count,) = take(">i")
    arrays = []
    for _ in range(count):
        if utf() != "NDAR":
            raise ValueError("not an NDList array at byte %d" % pos)
        (version,) = take(">i")
        name = utf() if version > 1 and take(">B")[0] == 1 else None
        utf()  # sparse format: DENSE
        dtype = DTYPES[utf()]
        (ndim,) = take(">i")
        shape = take(">%dq" % ndim)
        (layout,) = take(">i")
        pos += 2 * layout
        order = chr(take(">B")[0]) if version >= 3 else "<"
        (length,) = take(">i")
        array = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder(">" if order == ">" else "<"),
                              count=length // np.dtype(dtype).itemsize, offset=pos).reshape(shape)
        pos += length
        arrays.append((name, array))
    return arrays


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "encode":
        with open(argv[3], "wb") as f:
            f.write(encode({argv[4] if len(argv) == 5 else "input": np.load(argv[2])}))
        return 0
    if len(argv) == 3 and argv[1] == "decode":
        with open(argv[2], "rb") as f:
            arrays = decode(f.read())
        np.set_printoptions(precision=6, suppress=True)
        for name, array in arrays:
            print("%s: shape=%s dtype=%s" % (name, array.shape, array.dtype))
            print(array)
        return 0
    print("usage: ndlist.py encode INPUT.npy OUTPUT.ndlist [NAME] | decode FILE.ndlist", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
