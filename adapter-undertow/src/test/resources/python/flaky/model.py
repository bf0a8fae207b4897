# A handler that fails on request, two ways: "raise" makes the handler raise (the server answers 424), "status500"
# makes it answer an Output whose code is 500; anything else is echoed.
from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    text = inputs.get_as_string()
    if text == "raise":
        raise ValueError("asked to fail")
    out = Output()
    if text == "status500":
        out.set_code(500).set_message("the model says no")
    out.add(text)
    return out
