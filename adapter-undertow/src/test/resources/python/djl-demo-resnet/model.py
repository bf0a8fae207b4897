# A djl-demo-style Python-mode image classifier (the shape of djl-demo's djl-serving/python-mode/resnet18, written
# for this test): torchvision transforms, a TorchScript model in the folder, the top classes as JSON.
import io
import json
import os
import sys

import torch
from PIL import Image
from torchvision import transforms

from djl_python import Input, Output


class Resnet18(object):

    def __init__(self):
        self.model = None
        self.mapping = None
        self.transform = transforms.Compose([
            transforms.Resize(256),
            transforms.CenterCrop(224),
            transforms.ToTensor(),
            transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        ])

    def initialize(self, properties):
        model_dir = properties.get("model_dir")
        self.model = torch.jit.load(os.path.join(model_dir, "resnet18.pt")).eval()
        with open(os.path.join(model_dir, "index_to_name.json")) as f:
            self.mapping = json.load(f)

    def inference(self, inputs):
        image = Image.open(io.BytesIO(inputs.get_as_bytes())).convert("RGB")
        with torch.no_grad():
            scores = torch.softmax(self.model(self.transform(image).unsqueeze(0))[0], 0)
        top = torch.topk(scores, 3)
        result = [{"className": self.mapping[str(i.item())], "probability": p.item()}
                  for p, i in zip(top.values, top.indices)]
        return Output().add_property("x-python", sys.executable).add_as_json(result)


_service = Resnet18()


def handle(inputs: Input):
    if _service.model is None:
        _service.initialize(inputs.get_properties())
    if inputs.is_empty():
        return None
    return _service.inference(inputs)
