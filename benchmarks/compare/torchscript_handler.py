"""Python-mode handler of the comparison (benchmarks/compare.sh): the same TorchScript network as the Java paths,
run by Debian's torch in the Python worker. One .npy tensor in, one .npy tensor out, as the binary mode answers.
The model file is named by the model argument model_file; one intra-op thread per worker, as on the Java side."""
import io
import os

import numpy as np
import torch

from djl_python import Input, Output

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
_model = None


def handle(inputs: Input):
    global _model
    if _model is None:
        props = inputs.get_properties()
        _model = torch.jit.load(os.path.join(props["model_dir"], props["model_file"]))
        _model.eval()
    if inputs.is_empty():
        return None
    x = np.load(io.BytesIO(inputs.get_as_bytes()))
    with torch.no_grad():
        y = _model(torch.from_numpy(x)).numpy()
    buf = io.BytesIO()
    np.save(buf, y)
    return Output().add(buf.getvalue()).add_property("Content-Type", "tensor/npy")
