"""Request decoding and answer encoding by content type, the helpers DJL Serving's handlers import:
`from djl_python.encode_decode import decode, encode`.

decode(inputs, content_type) gives what a handler works on: parsed JSON for JSON (and for no content type),
{"inputs": ...} otherwise (a list with the text for text/plain, an image, numpy arrays, or the raw bytes).
encode(outputs, prediction, content_type) adds the prediction as JSON (the default), CSV, npz or DJL NDList, and
sets the matching Content-Type.
"""

import csv
import io

_CSV_HEADERS = ("question", "context", "inputs")


def decode_csv(inputs, require_headers=True):
    """A CSV body: with require_headers, rows under a header naming question, context or inputs become
    {"inputs": [...]}; without, a numeric CSV becomes a numpy array (non-numeric cells raise ValueError)."""
    text = inputs.get_as_string()
    if not require_headers:
        import numpy as np
        values = np.genfromtxt(io.StringIO(text), delimiter=",")
        if np.isnan(values).any():
            raise ValueError("CSV contains non-numeric data. Please provide numeric data only.")
        return values
    lines = text.splitlines()
    header = lines[0].lower() if lines else ""
    if not any(name in header for name in _CSV_HEADERS):
        raise ValueError("You need to provide the correct CSV with Header columns to use it with the inference "
                         "toolkit default handler.")
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and "inputs" in rows[0]:
        return {"inputs": [row["inputs"] for row in rows]}
    return {"inputs": rows}


def encode_csv(content):
    """A list of dicts (one per row, the first row's keys as header) as CSV text."""
    rows = content if isinstance(content, list) else list(content)
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def decode(inputs, content_type, key=None, require_csv_headers=True):
    """The request content as its content type says (see the module description)."""
    if not content_type:
        if not inputs.get_as_bytes(key=key):
            return {"inputs": ""}
        return inputs.get_as_json(key=key)
    if "application/json" in content_type:
        return inputs.get_as_json(key=key)
    if "text/csv" in content_type:
        return decode_csv(inputs, require_headers=require_csv_headers)
    if "text/plain" in content_type:
        return {"inputs": [inputs.get_as_string(key=key)]}
    if content_type.startswith("image/"):
        return {"inputs": inputs.get_as_image(key=key)}
    if content_type.startswith("audio/"):
        return {"inputs": inputs.get_as_bytes(key=key)}
    if "tensor/npz" in content_type:
        return {"inputs": inputs.get_as_npz(key=key)}
    if content_type in ("tensor/ndlist", "application/x-npy"):
        return {"inputs": inputs.get_as_numpy(key=key)}
    if content_type == "application/x-www-form-urlencoded":
        return {"inputs": inputs.get_as_string(key=key)}
    return {"inputs": inputs.get_as_bytes(key=key)}


def encode(outputs, prediction, content_type, key=None):
    """Adds prediction to outputs in the format content_type asks for, with that Content-Type."""
    if not content_type or "application/json" in content_type:
        outputs.add_as_json(prediction, key=key)
        outputs.add_property("Content-Type", "application/json")
    elif "text/csv" in content_type:
        outputs.add_as_string(encode_csv(prediction), key=key)
        outputs.add_property("Content-Type", "text/csv")
    elif "tensor/npz" in content_type:
        outputs.add_as_npz(prediction, key=key)
        outputs.add_property("Content-Type", "tensor/npz")
    else:
        outputs.add_as_numpy(prediction, key=key)
        outputs.add_property("Content-Type", "tensor/ndlist")
