# Streams "token0 " ... "token<N-1> " for a body holding N, one stream item each, as text/plain.
import time

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    count = int(inputs.get_as_string())

    def tokens():
        for i in range(count):
            if i > 0:
                time.sleep(0.05)  # items leave the handler one by one
            yield "token%d " % i

    output = Output().add_property("Content-Type", "text/plain")
    output.add_stream_content(tokens())
    return output
