"""DJL NDList encoding of numpy arrays (and npz decoding), imported only when arrays are used.

NDList layout, big-endian, strings as a 16-bit length plus UTF-8 bytes:
  int32 count, then per array: "NDAR", int32 version (3), uint8 has_name [+ name], sparse format,
  dtype name, int32 ndim, int64 x ndim, int32 layout length, uint16 x layout length, then for STRING
  arrays int32 n and n strings, else uint8 byte order ('<' or '>'), int32 byte length, raw C-order bytes.
Versions 1 and 2 lack the byte order (native order); version 1 also lacks the name flag.
"""

import io
import struct

_NDAR = b"NDAR"

# numpy dtype name -> DJL DataType name; bool is written the way DJL reads it (BOOLEAN)
_TO_DJL = {
    "float32": "FLOAT32",
    "float64": "FLOAT64",
    "float16": "FLOAT16",
    "uint8": "UINT8",
    "uint16": "UINT16",
    "uint32": "UINT32",
    "uint64": "UINT64",
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "bool": "BOOLEAN",
    "complex64": "COMPLEX64",
}
_FROM_DJL = {v: k for k, v in _TO_DJL.items()}
_FROM_DJL["BOOL"] = "bool"


def _put_str(buf, text):
    data = text.encode("utf-8")
    buf += struct.pack(">H", len(data))
    buf += data


class _Cursor(object):
    __slots__ = ("data", "pos")

    def __init__(self, data):
        self.data = memoryview(data)
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("NDList data is truncated at byte %d (need %d more)" %
                             (self.pos, n))
        view = self.data[self.pos:self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt):
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size))

    def text(self):
        (n,) = self.unpack(">H")
        return bytes(self.take(n)).decode("utf-8")


def is_npz(data):
    return len(data) >= 4 and data[0] == 0x50 and data[1] == 0x4B


def from_npz(data):
    import numpy as np
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return [npz[name] for name in npz.files]


def to_npz(arrays):
    import numpy as np
    if not isinstance(arrays, (list, tuple)):
        arrays = [arrays]
    out = io.BytesIO()
    np.savez(out, *arrays)
    return out.getvalue()


def from_nd_list(data):
    """Decodes DJL NDList bytes (or npz bytes, recognised by their zip signature) to numpy arrays."""
    return [array for _, array in from_nd_list_named(data)]


def from_nd_list_named(data):
    """Decodes DJL NDList (or npz) bytes to (name, array) pairs; name is None for an unnamed array."""
    import numpy as np
    if data is None:
        raise ValueError("no NDList data: the input has no content")
    if is_npz(data):
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return [(name, npz[name]) for name in npz.files]
    cur = _Cursor(data)
    (count,) = cur.unpack(">i")
    if count < 0:
        raise ValueError("malformed NDList: negative array count %d" % count)
    arrays = []
    for index in range(count):
        magic = cur.text()
        if magic != "NDAR":
            raise ValueError("malformed NDList: array %d starts with %r, expected 'NDAR'" %
                             (index, magic))
        (version,) = cur.unpack(">i")
        if version < 1 or version > 3:
            raise ValueError("malformed NDList: unsupported array version %d" % version)
        name = None
        if version > 1:
            (has_name,) = cur.unpack(">B")
            if has_name == 1:
                name = cur.text()
        cur.text()  # sparse format, always dense here
        dtype_name = cur.text()
        (ndim,) = cur.unpack(">i")
        shape = cur.unpack(">%dq" % ndim) if ndim > 0 else ()
        (layout,) = cur.unpack(">i")
        cur.take(2 * layout)
        if dtype_name == "STRING":
            (n,) = cur.unpack(">i")
            values = [cur.text() for _ in range(n)]
            arrays.append((name, np.array(values, dtype=object).reshape(shape)))
            continue
        np_name = _FROM_DJL.get(dtype_name)
        if np_name is None:
            raise ValueError("NDList array %d has unsupported dtype %s" % (index, dtype_name))
        if version > 2:
            (order,) = cur.unpack(">B")
            order = chr(order)
        else:
            order = "="
        (length,) = cur.unpack(">i")
        raw = cur.take(length)
        dtype = np.dtype(np_name).newbyteorder(order if order in "<>" else "=")
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
        arrays.append((name, array.astype(np.dtype(np_name), copy=True)))
    return arrays


def to_nd_list(arrays, names=None):
    """Encodes one numpy array or a list of them (anything np.asarray accepts) as DJL NDList bytes, each array
    named by the same position of `names` when given."""
    import numpy as np
    if not isinstance(arrays, (list, tuple)):
        arrays = [arrays]
    buf = bytearray()
    buf += struct.pack(">i", len(arrays))
    for index, item in enumerate(arrays):
        array = np.asarray(item)
        _put_str(buf, "NDAR")
        name = names[index] if names is not None else None
        if name is None:
            buf += struct.pack(">iB", 3, 0)
        else:
            buf += struct.pack(">iB", 3, 1)
            _put_str(buf, name)
        _put_str(buf, "DENSE")
        if array.dtype.kind in ("U", "S", "O"):
            _put_str(buf, "STRING")
        else:
            name = _TO_DJL.get(array.dtype.name)
            if name is None:
                raise ValueError("cannot encode numpy dtype %s as NDList" % array.dtype)
            _put_str(buf, name)
        buf += struct.pack(">i", array.ndim)
        if array.ndim:
            buf += struct.pack(">%dq" % array.ndim, *array.shape)
        buf += struct.pack(">i", array.ndim)
        buf += b"\x00?" * array.ndim
        if array.dtype.kind in ("U", "S", "O"):
            flat = array.reshape(-1)
            buf += struct.pack(">i", flat.size)
            for value in flat:
                if isinstance(value, bytes):
                    value = value.decode("utf-8")
                _put_str(buf, str(value))
            continue
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        buf += b"<"
        buf += struct.pack(">i", len(data))
        buf += data
    return bytes(buf)
