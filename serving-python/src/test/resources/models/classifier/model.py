# Image in, label out: a one-layer torch model whose weights average each colour channel, so the label is
# the image's dominant colour. The model is built in the initialisation call.
import torch
from djl_python import Input, Output

LABELS = ["red", "green", "blue"]
model = None


def _build(size):
    torch.manual_seed(0)
    layer = torch.nn.Linear(3 * size * size, 3)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.zero_()
        for channel in range(3):
            start = channel * size * size
            layer.weight[channel, start:start + size * size] = 1.0 / (size * size)
    return torch.nn.Sequential(torch.nn.Flatten(), layer).eval()


def handle(inputs: Input):
    global model
    if inputs.is_empty():
        model = _build(int(inputs.get_property("image_size") or 8))
        return None
    size = int(inputs.get_property("image_size") or 8)
    image = inputs.get_as_image().convert("RGB").resize((size, size))
    pixels = torch.tensor(list(image.getdata()), dtype=torch.float32) / 255.0  # (size*size, 3)
    tensor = pixels.t().reshape(1, 3, size, size)
    with torch.no_grad():
        scores = torch.softmax(model(tensor)[0], dim=0)
    best = int(torch.argmax(scores))
    return Output().add_as_json({"label": LABELS[best], "probability": float(scores[best])})
