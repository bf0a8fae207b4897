#!/usr/bin/python3
"""Builds an untrained torchvision resnet18 (fixed seed) as a ready model folder for the benchmarks.

The result is about 45 MB and is NOT committed. Needs Debian's python3-torch and python3-torchvision:

    /usr/bin/python3 examples/models/make_resnet18.py OUTPUT_DIR

writes OUTPUT_DIR/resnet18-pt/resnet18.pt (TorchScript, traced on [1,3,224,224]),
OUTPUT_DIR/resnet18-onnx/resnet18.onnx (opset 13, dynamic batch), a serving.properties in each with
option.modelName=resnet18, and OUTPUT_DIR/resnet18-data/{input,expected}.npy: one seeded input image
tensor and torch's output for it, to check any engine's output against.
"""

import os
import sys

import numpy as np
import torch
import torchvision

SEED = 20241125


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_resnet18.py OUTPUT_DIR")
    out = sys.argv[1]
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    model = torchvision.models.resnet18(weights=None)
    model.eval()
    example = torch.zeros(1, 3, 224, 224)

    pt_dir = os.path.join(out, "resnet18-pt")
    onnx_dir = os.path.join(out, "resnet18-onnx")
    data_dir = os.path.join(out, "resnet18-data")
    for d in (pt_dir, onnx_dir, data_dir):
        os.makedirs(d, exist_ok=True)
    with torch.no_grad():
        torch.jit.trace(model, example).save(os.path.join(pt_dir, "resnet18.pt"))
    torch.onnx.export(
        model,
        example,
        os.path.join(onnx_dir, "resnet18.onnx"),
        input_names=["input"],
        output_names=["output"],
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        opset_version=13,
    )
    for d in (pt_dir, onnx_dir):
        with open(os.path.join(d, "serving.properties"), "w", encoding="utf-8") as f:
            f.write("option.modelName=resnet18\n")

    x = np.random.RandomState(SEED).uniform(0.0, 1.0, size=(1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy().astype(np.float32)
    np.save(os.path.join(data_dir, "input.npy"), x)
    np.save(os.path.join(data_dir, "expected.npy"), y)
    print(f"resnet18: wrote {pt_dir} and {onnx_dir}; output[0,:3] = {y[0, :3]}")


if __name__ == "__main__":
    main()
