# An Open Inference Protocol (KServe V2) handler: takes its inputs by name and answers named outputs.
import numpy as np

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    tensors = inputs.get_as_tensors()  # {name: numpy array}, in request order
    x = tensors["x"]
    scale = tensors["scale"]
    words = tensors["words"]           # BYTES arrive as an object array of str
    return Output().add_as_tensors({
        "scaled": (x * scale).astype(x.dtype),
        "names": np.array(list(tensors.keys())),
        "shout": np.array([w.upper() for w in words.reshape(-1)]).reshape(words.shape),
    })
