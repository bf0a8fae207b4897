# Echoes the request body: JSON through add_as_json, anything else as bytes under the request's Content-Type.
from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None  # the initialisation call carries no content
    content_type = inputs.get_property("Content-Type")
    output = Output()
    if content_type is not None and content_type.startswith("application/json"):
        return output.add_as_json(inputs.get_as_json())
    if content_type is not None:
        output.add_property("Content-Type", content_type)
    return output.add(inputs.get_as_bytes())
