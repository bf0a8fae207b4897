from djl_python import Input, Output


def handle(inputs: Input)
    return None
