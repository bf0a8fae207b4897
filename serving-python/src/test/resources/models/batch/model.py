# Upper-cases each job of a batch. x-mode on the first job picks a broken answer: short, badkey, fail.
from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    batch = inputs.get_batches()
    mode = batch[0].get_property("x-mode")
    if mode == "fail":
        raise ValueError("the whole batch failed")
    output = Output()
    output.add_property("batch-seen", str(len(batch)))
    for i, item in enumerate(batch):
        if mode == "short" and i == len(batch) - 1:
            break
        text = item.get_as_string().upper() + "|" + (item.get_property("x-tag") or "")
        if mode == "badkey":
            output.add(text, key="data")
        else:
            output.add(text, key="data", batch_index=i)
    return output
