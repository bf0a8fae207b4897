#!/usr/bin/env python3
"""Lists the layers of an image tarball (docker-save format, as jib:buildTar writes it): size and what made each.

usage: image/layers.py [image/target/servingkit-image.tar]
"""
import json
import sys
import tarfile

path = sys.argv[1] if len(sys.argv) > 1 else "image/target/servingkit-image.tar"
with tarfile.open(path) as tar:
    manifest = json.load(tar.extractfile("manifest.json"))[0]
    config = json.load(tar.extractfile(manifest["Config"]))
    sizes = {m.name: m.size for m in tar.getmembers()}
history = [h for h in config.get("history", []) if not h.get("empty_layer")]
total = 0
print(f"{path}: {manifest['RepoTags'][0]}, user {config['config'].get('User')}")
for i, layer in enumerate(manifest["Layers"]):
    total += sizes[layer]
    made_by = history[i].get("comment") or history[i].get("created_by") if i < len(history) else "?"
    print(f"  {i + 1}. {sizes[layer] / 1e6:8.1f} MB  {made_by}")
print(f"  total {total / 1e6:.1f} MB compressed")
print("entrypoint:", " ".join(config["config"]["Entrypoint"]))
