"""Builds the tiny test models under src/test/resources/models (run from the module directory):

    /usr/bin/python3 src/test/models/make_models.py

mlp_pt      TorchScript MLP 4 -> 8 -> 3 (seed 0); x.npy (2, 4) and its expected output y.npy
mlp_onnx    the same MLP exported to ONNX (input "input", output "output", dynamic batch)
multi_onnx  ONNX with three named inputs and outputs: sum = a + 1 (float32 [N, 2]), twice = b * 2 (int64 [N]),
            echo = s (string [N])
fc_mxnet    MXNet FullyConnected 4 -> 2 with fixed weights: y = (x0 + 2 x1 + 0.5, x2 - x3 - 0.5)
"""
import json
import os
import struct

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

OUT = os.path.join('src', 'test', 'resources', 'models')


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def mlp():
    torch.manual_seed(0)
    model = Mlp().eval()
    x = torch.tensor([[0.5, -1.0, 2.0, 0.25], [1.5, 0.0, -0.5, 3.0]], dtype=torch.float32)
    with torch.no_grad():
        y = model(x)
    pt = os.path.join(OUT, 'mlp_pt')
    os.makedirs(pt, exist_ok=True)
    torch.jit.trace(model, x).save(os.path.join(pt, 'mlp_pt.pt'))
    np.save(os.path.join(pt, 'x.npy'), x.numpy())
    np.save(os.path.join(pt, 'y.npy'), y.numpy())
    ox = os.path.join(OUT, 'mlp_onnx')
    os.makedirs(ox, exist_ok=True)
    torch.onnx.export(model, x, os.path.join(ox, 'mlp_onnx.onnx'), input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, opset_version=13)
    np.save(os.path.join(ox, 'x.npy'), x.numpy())
    np.save(os.path.join(ox, 'y.npy'), y.numpy())


def multi():
    one = helper.make_tensor('one', TensorProto.FLOAT, [], [1.0])
    two = helper.make_tensor('two', TensorProto.INT64, [], [2])
    graph = helper.make_graph(
        [helper.make_node('Add', ['a', 'one'], ['sum']),
         helper.make_node('Mul', ['b', 'two'], ['twice']),
         helper.make_node('Identity', ['s'], ['echo'])],
        'multi',
        [helper.make_tensor_value_info('a', TensorProto.FLOAT, ['N', 2]),
         helper.make_tensor_value_info('b', TensorProto.INT64, ['N']),
         helper.make_tensor_value_info('s', TensorProto.STRING, ['N'])],
        [helper.make_tensor_value_info('sum', TensorProto.FLOAT, ['N', 2]),
         helper.make_tensor_value_info('twice', TensorProto.INT64, ['N']),
         helper.make_tensor_value_info('echo', TensorProto.STRING, ['N'])],
        initializer=[one, two])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    d = os.path.join(OUT, 'multi_onnx')
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, 'multi_onnx.onnx'))


def mxnet():
    d = os.path.join(OUT, 'fc_mxnet')
    os.makedirs(d, exist_ok=True)
    symbol = {
        'nodes': [
            {'op': 'null', 'name': 'data', 'inputs': []},
            {'op': 'null', 'name': 'fc_weight', 'attrs': {'num_hidden': '2'}, 'inputs': []},
            {'op': 'null', 'name': 'fc_bias', 'attrs': {'num_hidden': '2'}, 'inputs': []},
            {'op': 'FullyConnected', 'name': 'fc', 'attrs': {'num_hidden': '2'},
             'inputs': [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        ],
        'arg_nodes': [0, 1, 2],
        'node_row_ptr': [0, 1, 2, 3, 4],
        'heads': [[3, 0, 0]],
        'attrs': {'mxnet_version': ['int', 10901]},
    }
    with open(os.path.join(d, 'fc_mxnet-symbol.json'), 'w') as f:
        json.dump(symbol, f, indent=2)
    params = [('arg:fc_weight', np.array([[1, 2, 0, 0], [0, 0, 1, -1]], dtype='<f4')),
              ('arg:fc_bias', np.array([0.5, -0.5], dtype='<f4'))]
    # MXNet's NDArray list file: list magic, reserved, count, arrays (v2 magic, storage type, shape, context,
    # type flag, data), then the names
    out = struct.pack('<QQQ', 0x112, 0, len(params))
    for _, arr in params:
        out += struct.pack('<Ii', 0xF993FAC9, 0)
        out += struct.pack('<i', arr.ndim) + b''.join(struct.pack('<q', d) for d in arr.shape)
        out += struct.pack('<ii', 1, 0) + struct.pack('<i', 0) + arr.tobytes()
    out += struct.pack('<Q', len(params))
    for name, _ in params:
        out += struct.pack('<Q', len(name)) + name.encode()
    with open(os.path.join(d, 'fc_mxnet-0000.params'), 'wb') as f:
        f.write(out)


if __name__ == '__main__':
    mlp()
    multi()
    mxnet()
