# Python mode, DJL Serving style: scores review texts with the wordmood package, which requirements.txt
# installs from the wheel in local_wheels/ (there is no other copy of it). A request body is a JSON string,
# a JSON list of strings, or plain text; the answer is one score per text. Batch-aware: with batch_size > 1 the
# server merges several requests into one call and this handler answers each of them.
from djl_python import Input, Output
import wordmood


def _texts(item: Input):
    content_type = item.get_property("Content-Type") or ""
    if content_type.startswith("application/json"):
        value = item.get_as_json()
        return value if isinstance(value, list) else [value]
    return [item.get_as_string()]


def handle(inputs: Input):
    if inputs.is_empty():
        return None  # the initialisation call carries no content
    output = Output()
    if not inputs.is_batch():
        return output.add_as_json([wordmood.score(text) for text in _texts(inputs)])
    for i, item in enumerate(inputs.get_batches()):
        output.add_as_json([wordmood.score(text) for text in _texts(item)], batch_index=i)
    return output
