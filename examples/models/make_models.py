#!/usr/bin/python3
"""Builds the small test models committed under examples/models/.

Run with Debian's interpreter (torch 1.13, scikit-learn 1.2, numpy, Pillow):

    /usr/bin/python3 examples/models/make_models.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the folder of this script. Everything is seeded, so a rerun writes the same
weights and the same sample files (TorchScript/ONNX files may differ in metadata bytes across torch
versions, never in their numbers).

Outputs (each model folder is ready to serve):
  digits-pt/    TorchScript CNN trained on scikit-learn's 8x8 digits, with synset.txt and a
                serving.properties for DJL's ImageClassificationTranslatorFactory
  digits-onnx/  the same network exported to ONNX
  digit-images/ ten sample test images (0.png ... 9.png, one per digit) and the network's
                probabilities for them (expected_probs.npy, rows in file order 0..9)
  mlp-pt/       a tiny MLP (4 -> 8 -> 3) as TorchScript, no translator (tensors in, tensors out)
  mlp-onnx/     the same MLP in ONNX
  mlp-data/     sample inputs and expected outputs (.npy and .npz) and the MLP's weights as JSON,
                from which the Java tests build TensorFlow and MXNet copies of the MLP
"""

import json
import os
import random
import sys

import numpy as np
import torch
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 20241125
OPSET = 13


def seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


class DigitsNet(nn.Module):
    """A tiny CNN: [N,1,8,8] in [0,1] -> [N,10] logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Mlp(nn.Module):
    """[N,4] -> [N,3]."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def export(model, example, folder, name, dynamic_names):
    os.makedirs(folder + "-pt", exist_ok=True)
    os.makedirs(folder + "-onnx", exist_ok=True)
    traced = torch.jit.trace(model, example)
    traced.save(os.path.join(folder + "-pt", name + ".pt"))
    torch.onnx.export(
        model,
        example,
        os.path.join(folder + "-onnx", name + ".onnx"),
        input_names=[dynamic_names[0]],
        output_names=[dynamic_names[1]],
        dynamic_axes={dynamic_names[0]: {0: "batch"}, dynamic_names[1]: {0: "batch"}},
        opset_version=OPSET,
    )


def image_classification_properties(engine):
    return (
        "# DJL's ImageClassificationTranslatorFactory: an 8x8 grayscale image -> [1,1,8,8] floats in [0,1]\n"
        f"engine={engine}\n"
        "option.modelName=digits\n"
        "application=cv/image_classification\n"
        "translatorFactory=ai.djl.modality.cv.translator.ImageClassificationTranslatorFactory\n"
        "width=8\n"
        "height=8\n"
        "resize=true\n"
        "flag=GRAYSCALE\n"
        "applySoftmax=true\n"
        "topK=3\n"
    )


def make_digits(out):
    seed_everything()
    digits = load_digits()
    x = (digits.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)

    model = DigitsNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    generator = torch.Generator().manual_seed(SEED)
    for _ in range(15):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        for i in range(0, len(xt), 64):
            idx = order[i : i + 64]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        predicted = model(torch.from_numpy(x_test)).argmax(1).numpy()
    accuracy = float((predicted == y_test).mean())
    print(f"digits: test accuracy {accuracy:.4f} on {len(y_test)} held-out images")

    base = os.path.join(out, "digits")
    export(model, torch.zeros(1, 1, 8, 8), base, "digits", ("input", "logits"))
    synset = "".join(f"{i}\n" for i in range(10))
    for engine, suffix in (("PyTorch", "-pt"), ("OnnxRuntime", "-onnx")):
        write_text(os.path.join(base + suffix, "synset.txt"), synset)
        write_text(os.path.join(base + suffix, "serving.properties"), image_classification_properties(engine))

    # one correctly classified test image per digit, stored as an RGB PNG (equal channels, so any
    # gray conversion gives back the same value) with pixel = round(value * 255)
    images_dir = os.path.join(out, "digit-images")
    os.makedirs(images_dir, exist_ok=True)
    quantized = []
    for digit in range(10):
        for i in np.nonzero(y_test == digit)[0]:
            if predicted[i] == digit:
                pixels = np.rint(x_test[i, 0] * 255.0).astype(np.uint8)
                q = pixels.astype(np.float32) / 255.0
                with torch.no_grad():
                    if int(model(torch.from_numpy(q[None, None])).argmax(1)) != digit:
                        continue
                Image.fromarray(np.stack([pixels] * 3, axis=-1), mode="RGB").save(
                    os.path.join(images_dir, f"{digit}.png"), optimize=True
                )
                quantized.append(q)
                break
    with torch.no_grad():
        probs = torch.softmax(model(torch.from_numpy(np.stack(quantized)[:, None])), 1).numpy()
    np.save(os.path.join(images_dir, "expected_probs.npy"), probs.astype(np.float32))
    return accuracy


def make_mlp(out):
    seed_everything()
    model = Mlp()
    model.eval()
    base = os.path.join(out, "mlp")
    export(model, torch.zeros(1, 4), base, "mlp", ("input", "output"))
    for suffix in ("-pt", "-onnx"):
        # no engine and no translator: the engine is detected from mlp.pt / mlp.onnx
        write_text(os.path.join(base + suffix, "serving.properties"), "option.modelName=mlp\n")

    data_dir = os.path.join(out, "mlp-data")
    os.makedirs(data_dir, exist_ok=True)
    inputs = np.random.RandomState(SEED).uniform(-1.0, 1.0, size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        outputs = model(torch.from_numpy(inputs)).numpy().astype(np.float32)
    np.save(os.path.join(data_dir, "inputs.npy"), inputs)
    np.save(os.path.join(data_dir, "expected.npy"), outputs)
    np.savez(os.path.join(data_dir, "inputs.npz"), input=inputs)
    np.savez(os.path.join(data_dir, "expected.npz"), output=outputs)
    weights = {
        "fc1.weight": model.fc1.weight.detach().numpy().tolist(),
        "fc1.bias": model.fc1.bias.detach().numpy().tolist(),
        "fc2.weight": model.fc2.weight.detach().numpy().tolist(),
        "fc2.bias": model.fc2.bias.detach().numpy().tolist(),
        "inputs": inputs.tolist(),
        "expected": outputs.tolist(),
    }
    write_text(os.path.join(data_dir, "weights.json"), json.dumps(weights, indent=1) + "\n")
    print(f"mlp: {inputs.shape} -> {outputs.shape}, first output row {outputs[0]}")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    make_digits(out)
    make_mlp(out)


if __name__ == "__main__":
    main()
