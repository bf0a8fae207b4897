# Makes this folder's weights locally (djl-demo downloads a pretrained resnet18 instead): a small CNN traced to
# TorchScript with fixed random weights, and the class names. Run with Debian's python3-torch.
import json

import torch

torch.manual_seed(0)


class SmallNet(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, stride=2), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 16, 3, stride=2), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1))
        self.classifier = torch.nn.Linear(16, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


net = SmallNet().eval()
torch.jit.trace(net, torch.zeros(1, 3, 224, 224)).save("resnet18.pt")
with open("index_to_name.json", "w") as f:
    json.dump({str(i): "class_%d" % i for i in range(10)}, f)
