# Answers with what the handler sees: the init properties, this request, its environment and API results.
import json
import os
import sys

from djl_python import Input, Output

INIT = {}


def handle(inputs: Input):
    if inputs.is_empty():
        INIT.update(inputs.get_properties())
        INIT["function_name"] = inputs.get_function_name()
        return None
    report = {
        "init": INIT,
        "properties": inputs.get_properties(),
        "content_keys": inputs.get_content().get_keys(),
        "content_type_any_case": inputs.get_property("CONTENT-TYPE"),
        "is_batch": inputs.is_batch(),
        "data": _jsonable(inputs.get_data()),
        "cwd": os.getcwd(),
        "sys_path": sys.path,
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MY_SETTING")},
        "numpy_loaded": "numpy" in sys.modules,
        "pil_loaded": "PIL" in sys.modules,
        "executable": sys.executable,
        "prefix": sys.prefix,
    }
    return Output().add_property("content-type", "application/json").add_as_json(report)


def _jsonable(value):
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": len(value)}
    return value
