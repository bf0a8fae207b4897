# Echoes the body as text, except:
#   "exit"  -> the worker process exits (sys.exit(3)) in the middle of the request;
#   "pid"   -> answers the worker's process id;
#   header x-hold=<dir> -> writes the process id to <dir>/entered, then waits (at most 30 s) for <dir>/release.
import os
import sys
import time

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    text = inputs.get_as_string()
    if text == "exit":
        sys.exit(3)
    if text == "pid":
        text = str(os.getpid())
    hold = inputs.get_property("x-hold")
    if hold:
        with open(os.path.join(hold, "entered"), "w") as f:
            f.write(str(os.getpid()))
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(hold, "release")) and time.monotonic() < deadline:
            time.sleep(0.01)
    return Output().add_property("Content-Type", "text/plain").add(text)
