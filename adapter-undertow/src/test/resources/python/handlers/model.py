# The Python handler behind PythonOverHttpTest: the x-mode header picks what it does.
from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None  # the initialisation call carries no content
    mode = inputs.get_property("x-mode")
    if mode == "raise":
        raise ValueError("boom: deliberate failure")
    if mode == "memory":
        raise MemoryError("cannot allocate 10 GiB")
    if mode == "error-output":
        return Output().error("the input was not acceptable")
    if mode == "none":
        return None
    if mode == "sleep":
        import time
        time.sleep(float(inputs.get_as_string()))
        return Output().add("slept")
    if mode == "stream":
        count = int(inputs.get_as_string())
        output = Output().add_property("content-type", "text/plain")
        output.add_stream_content(("token%d " % i for i in range(count)), output_formatter=None)
        return output
    if mode == "json":
        return Output().add_as_json({"echo": inputs.get_as_json(), "query": inputs.get_as_string("q")})
    output = Output()
    content_type = inputs.get_property("Content-Type")
    if content_type is not None:
        output.add_property("Content-Type", content_type)
    return output.add(inputs.get_as_bytes())
