"""The request a handler receives: properties (headers, options) and named binary content."""

import io
import json

from .pair_list import PairList


class Input(object):

    def __init__(self):
        self.function_name = None
        self.properties = dict()
        self.content = PairList()

    def __str__(self):
        lines = ["properties: " + str(self.properties)]
        for key, value in self.content:
            lines.append("%s: %d bytes" % (key, len(value) if value is not None else 0))
        return "\n".join(lines)

    # ---- batches ------------------------------------------------------------------------------

    def is_batch(self):
        return "batch_size" in self.properties

    def get_batch_size(self):
        return int(self.properties.get("batch_size", "1"))

    def get_batches(self):
        """Splits a merged batch (keys prefixed batch_NNN.) into one Input per job, in order."""
        if not self.is_batch():
            return [self]
        batch = [Input() for _ in range(self.get_batch_size())]
        for item in batch:
            item.function_name = self.function_name
        for key, value in self.properties.items():
            split = _split_batch_key(key)
            if split is not None and split[0] < len(batch):
                batch[split[0]].properties[split[1]] = value
        for key, value in self.content:
            split = _split_batch_key(key)
            if split is not None and split[0] < len(batch):
                batch[split[0]].content.add(split[1], value)
        return batch

    # ---- properties and content ----------------------------------------------------------------

    def get_function_name(self):
        return self.function_name

    def get_properties(self):
        return self.properties

    def get_property(self, key):
        """Looks a property up ignoring case (HTTP header names arrive in any case)."""
        value = self.properties.get(key)
        if value is not None:
            return value
        lower = key.lower()
        for k, v in self.properties.items():
            if k.lower() == lower:
                return v
        return None

    def get_content(self):
        return self.content

    def contains_key(self, key):
        return self.content.get(key) is not None

    def is_empty(self):
        return self.content.is_empty()

    def get_data(self, key=None):
        """Decodes the content according to its Content-Type property."""
        content_type = self.get_property("content-type")
        if content_type is not None:
            content_type = content_type.split(";")[0].strip().lower()
        if content_type == "tensor/ndlist":
            return self.get_as_numpy(key)
        if content_type == "tensor/npz":
            return self.get_as_npz(key)
        if content_type is not None and content_type.startswith("application/json"):
            return self.get_as_json(key)
        if content_type is not None and content_type.startswith("text/csv"):
            return self.get_as_csv(key)
        if content_type is not None and content_type.startswith("text/"):
            return self.get_as_string(key)
        if content_type is not None and content_type.startswith("image/"):
            return self.get_as_image(key)
        if self.content.is_empty():
            return None
        return self.get_as_bytes(key)

    def get_as_bytes(self, key=None):
        """The raw bytes of entry `key`; without a key the entry named data, else the first entry."""
        if self.content.is_empty():
            return None
        if key:
            value = self.content.get(key)
            if value is None:
                raise KeyError("requested data for key:%s is not found!" % key)
            return value
        value = self.content.get("data")
        if value is None:
            value = self.content.value_at(0)
        return value

    def get_as_string(self, key=None):
        return _text(self.get_as_bytes(key))

    def get_as_json(self, key=None):
        text = _text(self.get_as_bytes(key))
        return None if text is None else json.loads(text)

    def get_as_image(self, key=None):
        from PIL import Image
        return Image.open(io.BytesIO(self.get_as_bytes(key)))

    def get_as_numpy(self, key=None):
        """A list of numpy arrays from DJL NDList bytes (npz is recognised too)."""
        from .np_util import from_nd_list
        return from_nd_list(self.get_as_bytes(key))

    def get_as_tensors(self, key=None):
        """The request's tensors by name, in request order: {name: numpy array}.

        For an Open Inference Protocol (KServe V2) request this is every input the client sent, named as the client
        named them (BYTES inputs arrive as object arrays of str); for an NDList or npz body, its arrays under their
        names (an unnamed array i as "input<i>").
        """
        from .np_util import from_nd_list_named
        named = from_nd_list_named(self.get_as_bytes(key))
        return {name if name else "input%d" % i: array for i, (name, array) in enumerate(named)}

    def get_as_npz(self, key=None):
        from .np_util import from_npz
        return from_npz(self.get_as_bytes(key))

    def get_as_csv(self, key=None):
        """The rows of a CSV body as dicts keyed by the header row."""
        import csv
        return list(csv.DictReader(io.StringIO(self.get_as_string(key))))


def _split_batch_key(key):
    """'batch_003.data' -> (3, 'data'); None when the key has no batch prefix."""
    if key is None or not key.startswith("batch_"):
        return None
    head, dot, rest = key.partition(".")
    digits = head[6:]
    if not dot or not digits.isdigit():
        return None
    return int(digits), rest


def _text(data):
    if data is None:
        return None
    if not hasattr(data, "decode"):
        data = bytes(data)
    return data.decode("utf-8")
