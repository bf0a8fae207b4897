# Fails during the initialisation call in the way option.init_mode names: raise, sleep or exit.
import sys
import time

from djl_python import Input, Output


def load_weights(path):
    with open(path, "rb") as f:
        return f.read()


def handle(inputs: Input):
    if inputs.is_empty():
        mode = inputs.get_property("init_mode")
        if mode == "raise":
            load_weights("weights-that-do-not-exist.bin")
        elif mode == "sleep":
            time.sleep(60)
        elif mode == "exit":
            print("giving up before the model is ready", flush=True)
            sys.exit(7)
        elif mode == "error-output":
            return Output().error("not ready", code=500, message="init failed")
        return None
    return Output().add("ok")
