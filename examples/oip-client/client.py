#!/usr/bin/python3
"""An Open Inference Protocol (KServe V2) client in plain Python, written from the specification: REST with
`requests` (JSON data, then the binary tensor data extension) and gRPC with `grpcio` (raw_input_contents).

    client.py REST_BASE GRPC_HOST:PORT PB2_DIR MODEL

PB2_DIR holds grpc_service_pb2.py, which the build generates with protoc
(adapter-grpc/target/generated-sources/protobuf/python). Debian's python3-grpcio has no code generator, so the calls
are made by their method paths with the generated messages. The model takes one FP32 [N, 4] input (the MLP of
examples/models/mlp-onnx); the script prints what each transport answered for the same row.
"""
import json
import struct
import sys

import grpc
import requests

base, grpc_target, pb2_dir, model = sys.argv[1:5]
sys.path.insert(0, pb2_dir)
import grpc_service_pb2 as pb  # noqa: E402  (generated into PB2_DIR)

row = [0.5, -1.0, 2.0, 0.25]

# ---- REST: health, metadata, JSON inference
print("live:", requests.get(base + "/v2/health/live").status_code)
print("ready:", requests.get(base + "/v2/health/ready").status_code)
meta = requests.get(base + "/v2/models/" + model).json()
print("input:", meta["inputs"][0]["name"], meta["inputs"][0]["datatype"], meta["inputs"][0]["shape"])
name = meta["inputs"][0]["name"]
r = requests.post(base + "/v2/models/%s/infer" % model,
                  json={"id": "py-json", "inputs": [{"name": name, "shape": [1, 4], "datatype": "FP32", "data": row}]})
answer = r.json()
print("rest json:", answer["id"], answer["outputs"][0]["shape"], ["%.5f" % v for v in answer["outputs"][0]["data"]])

# ---- REST, binary tensor data extension: JSON header, then the raw little-endian tensor
header = json.dumps({"inputs": [{"name": name, "shape": [1, 4], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 16}}],
                     "parameters": {"binary_data_output": True}}).encode()
r = requests.post(base + "/v2/models/%s/infer" % model, data=header + struct.pack("<4f", *row),
                  headers={"Inference-Header-Content-Length": str(len(header)),
                           "Content-Type": "application/octet-stream"})
length = int(r.headers["Inference-Header-Content-Length"])
out = json.loads(r.content[:length])["outputs"][0]
values = struct.unpack("<%df" % (out["parameters"]["binary_data_size"] // 4), r.content[length:])
print("rest binary:", out["shape"], ["%.5f" % v for v in values])

# ---- gRPC
channel = grpc.insecure_channel(grpc_target)


def call(method, request, response_type):
    stub = channel.unary_unary("/inference.GRPCInferenceService/" + method,
                               request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_type.FromString)
    return stub(request, timeout=30)


print("grpc ready:", call("ServerReady", pb.ServerReadyRequest(), pb.ServerReadyResponse).ready)
request = pb.ModelInferRequest(model_name=model, id="py-grpc")
request.inputs.add(name=name, datatype="FP32", shape=[1, 4])
request.raw_input_contents.append(struct.pack("<4f", *row))
response = call("ModelInfer", request, pb.ModelInferResponse)
values = struct.unpack("<3f", response.raw_output_contents[0])
print("grpc:", response.id, list(response.outputs[0].shape), ["%.5f" % v for v in values])
try:
    call("ModelInfer", pb.ModelInferRequest(model_name="nosuch"), pb.ModelInferResponse)
except grpc.RpcError as e:
    print("grpc unknown model:", e.code().name)
channel.close()
