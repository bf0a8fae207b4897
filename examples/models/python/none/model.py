# Returns None for every request: DJL Serving answers 204 with no body.
from djl_python import Input


def handle(inputs: Input):
    return None
