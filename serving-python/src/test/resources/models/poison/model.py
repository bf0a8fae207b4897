# Kills its own process on the input "poison" (as a native crash would); echoes every other input.
import os

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    data = inputs.get_as_bytes()
    if data == b"poison":
        os._exit(1)
    return Output().add(data)
