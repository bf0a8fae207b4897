# Answers with the request properties the handler sees (headers among them: traceparent, x-request-id).
from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    return Output().add_property("content-type", "application/json").add_as_json(inputs.get_properties())
