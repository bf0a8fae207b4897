# Answers with the version and location of the skdemo package installed from requirements.txt.
import sys

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    import numpy
    import skdemo
    return Output().add_as_json({
        "value": skdemo.VALUE,
        "file": skdemo.__file__,
        "prefix": sys.prefix,
        "executable": sys.executable,
        "numpy": numpy.__version__,
    })
