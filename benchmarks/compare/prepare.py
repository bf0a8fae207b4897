#!/usr/bin/python3
"""Writes the comparison's model folders and request bodies into benchmarks/models/compare/ (not committed).

For each network (digits: the trained 8x8-digits CNN, examples/models/digits-pt; digitsonnx: the same network
exported to ONNX, examples/models/digits-onnx; resnet18: torchvision resnet18, untrained, seeded, made by
examples/models/make_resnet18.py, which needs python3-torchvision):

  <net>-pt/   the model file, tensor in / tensor out (binary mode), its engine, 2 workers (the name says "pt" for
              every engine: it is the Java-mode folder)
  <net>-b8/   the same with batch_size=8, max_batch_delay=1 ms and batchifier=concat (requests keep their batch
              dimension), tiny networks only
  <net>-py/   the TorchScript file behind benchmarks/compare/torchscript_handler.py (Python mode), 2 workers;
              TorchScript networks only
  <net>-input.npy  one float32 request body: (1,1,8,8) or (1,3,224,224)

Every path runs one intra-op thread per worker or predictor; the raw Predictor and the server load the same file.
"""
import os
import shutil
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "benchmarks", "models", "compare")
WORKERS = 2
JAVA_PROPS = "engine={engine}\noption.modelName={name}\nminWorkers={w}\nmaxWorkers={w}\n"
BATCH_PROPS = "batch_size=8\nmax_batch_delay=1\nbatchifier=concat\n"
PYTHON_PROPS = ("engine=Python\noption.pythonExecutable=/usr/bin/python3\nmodel_file={name}.pt\n"
                "minWorkers={w}\nmaxWorkers={w}\n")
SHAPES = {"digits": (1, 1, 8, 8), "digitsonnx": (1, 1, 8, 8), "resnet18": (1, 3, 224, 224)}
TINY = ("digits", "digitsonnx")


def model_file(name):
    """The network's file and its DJL engine."""
    if name == "digitsonnx":
        return os.path.join(ROOT, "examples", "models", "digits-onnx", "digits.onnx"), "OnnxRuntime"
    return torchscript(name), "PyTorch"


def torchscript(name):
    if name == "digits":
        return os.path.join(ROOT, "examples", "models", "digits-pt", "digits.pt")
    made = os.path.join(ROOT, "benchmarks", "models")
    path = os.path.join(made, "resnet18-pt", "resnet18.pt")
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "examples", "models", "make_resnet18.py"), made],
                       check=True)
    return path


def write(folder, files, props):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for src, dst in files:
        shutil.copy(src, os.path.join(folder, dst))
    with open(os.path.join(folder, "serving.properties"), "w", encoding="utf-8") as f:
        f.write(props)


def main():
    rng = np.random.RandomState(7)
    for name, shape in SHAPES.items():
        path, engine = model_file(name)
        files = [(path, name + os.path.splitext(path)[1])]
        java = JAVA_PROPS.format(engine=engine, name=name, w=WORKERS)
        write(os.path.join(OUT, name + "-pt"), files, java)
        if name in TINY:
            write(os.path.join(OUT, name + "-b8"), files, java + BATCH_PROPS)
        if engine == "PyTorch":
            handler = os.path.join(ROOT, "benchmarks", "compare", "torchscript_handler.py")
            write(os.path.join(OUT, name + "-py"), [(path, name + ".pt"), (handler, "model.py")],
                  PYTHON_PROPS.format(name=name, w=WORKERS))
        np.save(os.path.join(OUT, name + "-input.npy"), rng.uniform(0, 1, size=shape).astype(np.float32))
    print("models and inputs in", OUT)


if __name__ == "__main__":
    main()
