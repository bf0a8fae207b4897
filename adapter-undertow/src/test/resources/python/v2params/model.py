# An Open Inference Protocol (KServe V2) handler that shows what it was given: its input doubled, and every request
# and input parameter it sees among the input's properties, as "key=value" strings.
import numpy as np

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    x = inputs.get_as_tensors()["x"]
    seen = sorted("%s=%s" % (k, v) for k, v in inputs.get_properties().items()
                  if k.lower() not in ("content-type", "accept"))
    return Output().add_as_tensors({"doubled": (x * 2).astype(x.dtype), "parameters": np.array(seen)})
