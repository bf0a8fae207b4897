# Every request fails: the handler raises, which DJL Serving answers with 424 "invoke handler failure".
from djl_python import Input


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    raise ValueError("boom: deliberate failure")
