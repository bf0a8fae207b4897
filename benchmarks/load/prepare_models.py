#!/usr/bin/python3
"""Writes the load benchmark's model folders and request bodies into benchmarks/models/ (not committed).

digits-tensor/  the trained 8x8-digits CNN (examples/models/digits-onnx/digits.onnx) served tensor in, tensor out
resnet18-onnx/  torchvision resnet18, untrained, seeded (examples/models/make_resnet18.py; needs python3-torchvision)
*.npy           one request body per model: float32 (1,1,8,8) and (1,3,224,224)

Both models run on ONNX Runtime with one intra-op and one inter-op thread per worker and two workers (= cores).
"""
import os
import shutil
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "benchmarks", "models")
PROPS = "engine=OnnxRuntime\noption.modelName={name}\noption.interOpNumThreads=1\noption.intraOpNumThreads=1\n" \
        "minWorkers={workers}\nmaxWorkers={workers}\n"


def main():
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    os.makedirs(OUT, exist_ok=True)
    digits = os.path.join(OUT, "digits-tensor")
    os.makedirs(digits, exist_ok=True)
    shutil.copy(os.path.join(ROOT, "examples", "models", "digits-onnx", "digits.onnx"), digits)
    with open(os.path.join(digits, "serving.properties"), "w", encoding="utf-8") as f:
        f.write(PROPS.format(name="digits", workers=workers))
    rng = np.random.RandomState(7)
    np.save(os.path.join(OUT, "digits-input.npy"), rng.uniform(0, 1, size=(1, 1, 8, 8)).astype(np.float32))

    resnet = os.path.join(OUT, "resnet18-onnx")
    if not os.path.exists(os.path.join(resnet, "resnet18.onnx")):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "examples", "models", "make_resnet18.py"), OUT],
                       check=True)
    with open(os.path.join(resnet, "serving.properties"), "w", encoding="utf-8") as f:
        f.write(PROPS.format(name="resnet18", workers=workers))
    np.save(os.path.join(OUT, "resnet18-input.npy"), rng.uniform(0, 1, size=(1, 3, 224, 224)).astype(np.float32))
    print("models and inputs in", OUT)


if __name__ == "__main__":
    main()
