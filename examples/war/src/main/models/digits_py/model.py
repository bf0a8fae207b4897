# The trained 8x8-digits CNN (TorchScript, examples/models/digits-pt/digits.pt) in Python mode: a DJL Serving
# handler, run by ServingKit in a Python worker process next to the servlet container.
import os

import torch
from PIL import Image
from djl_python import Input, Output

model = None
classes = None
top_k = 3


def handle(inputs: Input):
    global model, classes, top_k
    if inputs.is_empty():
        # the initialisation call: every model property, plus model_dir
        model_dir = inputs.get_property("model_dir")
        model = torch.jit.load(os.path.join(model_dir, "digits.pt")).eval()
        with open(os.path.join(model_dir, "synset.txt"), encoding="utf-8") as f:
            classes = [line.strip() for line in f if line.strip()]
        top_k = int(inputs.get_property("topK") or 3)
        return None
    image = inputs.get_as_image().convert("L").resize((8, 8), Image.BILINEAR)
    pixels = torch.tensor(list(image.getdata()), dtype=torch.float32).reshape(1, 1, 8, 8) / 255.0
    with torch.no_grad():
        probabilities = torch.softmax(model(pixels)[0], dim=0)
    best = torch.topk(probabilities, min(top_k, len(classes)))
    answer = [{"className": classes[int(i)], "probability": float(p)} for p, i in zip(best.values, best.indices)]
    return Output().add_property("Content-Type", "application/json").add_as_json(answer)
