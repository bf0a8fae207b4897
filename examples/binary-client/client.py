#!/usr/bin/python3
"""Sends tensors to a ServingKit (or DJL Serving) binary-mode model and prints the answer.

Needs only numpy and the standard library:

    python3 client.py http://127.0.0.1:8080/predictions/mlp
    python3 client.py http://127.0.0.1:8080/predictions/mlp examples/models/mlp-data/inputs.npy

The request body is an .npz built in memory (Content-Type: tensor/npz), so the server answers in .npz too.
"""
import io
import sys
import urllib.error
import urllib.request

import numpy as np


def predict(url, arrays, timeout=30):
    """POSTs the named arrays as one .npz and returns the answer's arrays, by name."""
    body = io.BytesIO()
    np.savez(body, **arrays)
    request = urllib.request.Request(
        url, data=body.getvalue(), method="POST", headers={"Content-Type": "tensor/npz"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        content_type = response.headers.get("Content-Type")
        if content_type != "tensor/npz":
            raise RuntimeError("expected a tensor/npz answer, got " + str(content_type))
        answer = np.load(io.BytesIO(response.read()))
        return {name: answer[name] for name in answer.files}


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: client.py URL [INPUT.npy]", file=sys.stderr)
        return 2
    if len(argv) == 3:
        inputs = np.load(argv[2])
    else:
        inputs = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]], dtype=np.float32)
    try:
        outputs = predict(argv[1], {"input": inputs})
    except urllib.error.HTTPError as e:
        print("HTTP %d: %s" % (e.code, e.read().decode("utf-8", "replace")), file=sys.stderr)
        return 1
    np.set_printoptions(precision=6, suppress=True)
    for name, array in outputs.items():
        print("%s: shape=%s dtype=%s" % (name, array.shape, array.dtype))
        print(array)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
