"""The answer a handler returns: status code and message, properties (headers) and content."""

import json
import logging

from .pair_list import PairList

_log = logging.getLogger("djl_python.outputs")


class _Encoder(json.JSONEncoder):
    """JSON encoder that also accepts numpy scalars and arrays, and datetimes."""

    def default(self, o):
        import datetime
        if isinstance(o, (datetime.datetime, datetime.date)):
            return str(o)
        numpy = _numpy_if_loaded()
        if numpy is not None:
            if isinstance(o, numpy.integer):
                return int(o)
            if isinstance(o, numpy.floating):
                return float(o)
            if isinstance(o, numpy.bool_):
                return bool(o)
            if isinstance(o, numpy.ndarray):
                return o.tolist()
        return json.JSONEncoder.default(self, o)


def _numpy_if_loaded():
    import sys
    return sys.modules.get("numpy")


def encode_json(value):
    """The JSON form used for content: two-space indent, no space after ':', UTF-8."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=2, cls=_Encoder,
                      separators=(",", ":")).encode("utf-8")


def to_bytes(value):
    """str -> UTF-8, bytes-like as is, anything else as JSON."""
    if isinstance(value, (bytes, bytearray)):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, memoryview):
        return value.tobytes()
    return encode_json(value)


class Output(object):

    def __init__(self, code=200, message="OK"):
        self.code = code
        self.message = message
        self.properties = dict()
        self.content = PairList()
        self.stream_content = None
        self.stream_formatter = None
        self._finalizers = []

    def __str__(self):
        return json.dumps({
            "code": self.code,
            "message": self.message,
            "properties": self.properties,
            "content": {str(k): type(v).__name__ for k, v in self.content},
        }, indent=2)

    def set_code(self, code):
        self.code = code
        return self

    def set_message(self, message):
        self.message = message
        return self

    def add_property(self, key, val):
        self.properties[key] = val
        return self

    def get_properties(self):
        return self.properties

    def get_property(self, key):
        """Looks a property up ignoring case, as Input.get_property does; None when absent."""
        value = self.properties.get(key)
        if value is not None:
            return value
        lower = key.lower()
        for k, v in self.properties.items():
            if k.lower() == lower:
                return v
        return None

    def error(self, error, code=424, message="invoke handler failure"):
        """Turns this output into an error answer with a JSON body {code, message, error}."""
        self.code = code
        self.message = message
        self.add_property("content-type", "application/json")
        self.add_as_json({"code": code, "message": message, "error": error})
        return self

    def add(self, value, key=None, batch_index=None):
        """Adds content: str as UTF-8, bytes as is, anything else as JSON.

        With batch_index the key becomes batch_<index>.<key>, the answer of one job of a batch.
        """
        if key is not None and not isinstance(key, str):
            _log.warning("Output key should be a str, got %s", type(key).__name__)
            key = str(key)
        if batch_index is not None:
            key = "batch_%d.%s" % (batch_index, "" if key is None else key)
        self.content.add(key, to_bytes(value))
        return self

    def add_as_json(self, val, key=None, batch_index=None):
        return self.add(encode_json(val), key=key, batch_index=batch_index)

    def add_as_string(self, val, key=None, batch_index=None):
        return self.add(str(val), key=key, batch_index=batch_index)

    def add_as_numpy(self, np_list, key=None, batch_index=None):
        """Adds numpy arrays encoded as a DJL NDList."""
        from .np_util import to_nd_list
        return self.add(to_nd_list(np_list), key=key, batch_index=batch_index)

    def add_as_tensors(self, tensors, key=None, batch_index=None):
        """Adds named numpy arrays ({name: array}, or (name, array) pairs) as a DJL NDList with their names and
        content-type tensor/ndlist: an Open Inference Protocol (KServe V2) request gets them as its named outputs."""
        from .np_util import to_nd_list
        pairs = list(tensors.items()) if hasattr(tensors, "items") else list(tensors)
        self.add_property("content-type", "tensor/ndlist")
        return self.add(to_nd_list([a for _, a in pairs], names=[str(n) for n, _ in pairs]), key=key,
                        batch_index=batch_index)

    def add_as_npz(self, np_list, key=None, batch_index=None):
        from .np_util import to_npz
        return self.add(to_npz(np_list), key=key, batch_index=batch_index)

    def add_stream_content(self, stream, output_formatter=None):
        """Streams the items of an iterator as chunks; output_formatter turns each item into bytes or str."""
        self.stream_content = iter(stream)
        self.stream_formatter = output_formatter
        return self

    def finalize(self, function, *args):
        """Runs function(*args) after the answer has been sent (and the stream has ended)."""
        self._finalizers.append((function, args))
        return self

    def execute_finalize(self):
        for function, args in self._finalizers:
            function(*args)
        self._finalizers = []
