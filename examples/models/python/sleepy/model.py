# Echoes the body after 0.5 s. With header x-hold=<dir> it instead writes <dir>/entered and waits (at most 30 s)
# until <dir>/release exists, so a test knows the request is in the worker and decides when it ends.
import os
import time

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    hold = inputs.get_property("x-hold")
    if hold:
        with open(os.path.join(hold, "entered"), "w") as f:
            f.write(str(os.getpid()))
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(hold, "release")) and time.monotonic() < deadline:
            time.sleep(0.01)
    else:
        time.sleep(0.5)
    return Output().add_property("Content-Type", "text/plain").add(inputs.get_as_bytes())
