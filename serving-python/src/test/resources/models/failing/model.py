# Misbehaves on request: the x-mode property picks how.
import os
import sys
import time

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    mode = inputs.get_property("x-mode")
    if mode == "raise":
        raise ValueError("boom: deliberate failure")
    if mode == "json":
        return Output().add_as_json(inputs.get_as_json())
    if mode == "type":
        return "a plain string"
    if mode == "memory":
        raise MemoryError("cannot allocate 10 GiB")
    if mode == "error-output":
        return Output().error("the input was not acceptable")
    if mode == "none":
        return None
    if mode == "exit":
        sys.exit(3)
    if mode == "sleep":
        time.sleep(float(inputs.get_as_string()))
    if mode == "marker":
        with open(inputs.get_property("x-marker"), "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
    return Output().add(inputs.get_as_bytes())
