# Doubles every array of an NDList or npz body; answers in the format named by Accept (NDList by default),
# adding the element sum of each input array, a bool mask and a string array to the NDList answer.
import numpy as np

from djl_python import Input, Output


def handle(inputs: Input):
    if inputs.is_empty():
        return None
    arrays = inputs.get_as_numpy()
    doubled = [a * 2 if a.dtype != np.bool_ else ~a for a in arrays]
    output = Output()
    if inputs.get_property("Accept") == "tensor/npz":
        return output.add_as_npz(doubled)
    sums = np.array([float(a.sum()) for a in arrays], dtype=np.float64)
    mask = arrays[0] > 1
    names = np.array(["array%d" % i for i in range(len(arrays))])
    return output.add_as_numpy(doubled + [sums, mask, names])
