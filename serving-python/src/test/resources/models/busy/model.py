# Busy for two minutes on every request, after writing its pid to the file named by BUSY_MARKER.
import os
import time

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    with open(os.environ["BUSY_MARKER"], "w") as marker:
        marker.write(str(os.getpid()))
    time.sleep(120)
    return Output().add("late")
