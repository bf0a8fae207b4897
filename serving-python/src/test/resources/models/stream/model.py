# Streams the body's number of tokens; x-fail breaks the stream after them; x-marker names a file the
# finalize function writes once the stream has been sent.
from djl_python import Input, Output


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    count = int(inputs.get_as_string())
    fail = inputs.get_property("x-fail") is not None

    def tokens():
        for i in range(count):
            yield {"token": i} if inputs.get_property("x-json") else "token%d " % i
        if fail:
            raise ValueError("the generator broke")

    formatter = (lambda item: "%s\n" % item["token"]) if inputs.get_property("x-json") else None
    output = Output().add_property("content-type", "text/plain")
    output.add_stream_content(tokens(), output_formatter=formatter)
    marker = inputs.get_property("x-marker")
    if marker:
        output.finalize(_write, marker, "finalized")
    return output
