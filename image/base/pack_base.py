#!/usr/bin/env python3
"""Packs two root file systems into a docker-save tarball that Jib reads as a `tar://` base image.

usage: pack_base.py <jre rootfs> <python rootfs> <out.tar>
Layer 1 is the whole JRE tree; layer 2 is what the Python tree adds or changes (deleted paths become OCI
whiteouts). /dev, /proc and /sys are kept empty: the container runtime mounts them.
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile

EMPTY_DIRS = {"dev", "proc", "sys"}


def walk(root):
    """Relative paths under root, parents first, sorted; the contents of EMPTY_DIRS left out."""
    out = []
    for parent, dirs, files in os.walk(root):
        rel = os.path.relpath(parent, root)
        dirs.sort()
        if rel in EMPTY_DIRS:
            dirs.clear()
            continue
        for name in sorted(dirs + files):
            path = name if rel == "." else os.path.join(rel, name)
            if path not in (".done", ".debootstrapped"):
                out.append(path)
    return out


def signature(root, path):
    st = os.lstat(os.path.join(root, path))
    link = os.readlink(os.path.join(root, path)) if stat.S_ISLNK(st.st_mode) else None
    size = st.st_size if stat.S_ISREG(st.st_mode) else 0
    mtime = st.st_mtime_ns if not stat.S_ISDIR(st.st_mode) else 0
    return (st.st_mode, st.st_uid, st.st_gid, size, mtime, link)


def add(tar, root, path):
    full = os.path.join(root, path)
    info = tar.gettarinfo(full, arcname=path)
    if info is None or not (info.isreg() or info.isdir() or info.issym() or info.islnk()):
        return  # sockets, fifos, devices: not image content
    info.uname = info.gname = ""
    if info.isreg():
        with open(full, "rb") as f:
            tar.addfile(info, f)
    else:
        tar.addfile(info)


def layer(workdir, index, root, paths, whiteouts=()):
    """Writes a gzipped layer; returns (file name, diff id = sha256 of the uncompressed tar)."""
    raw = os.path.join(workdir, f"layer{index}.tar")
    with tarfile.open(raw, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            add(tar, root, path)
        for path in whiteouts:
            info = tarfile.TarInfo(os.path.join(os.path.dirname(path), ".wh." + os.path.basename(path)))
            info.mode = 0o644
            tar.addfile(info)
    digest = hashlib.sha256()
    with open(raw, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    gzip = shutil.which("pigz") or "gzip"
    subprocess.run([gzip, "-n", "-6", raw], check=True)
    return f"layer{index}.tar.gz", "sha256:" + digest.hexdigest()


def main(jre, python, out):
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(out))) as workdir:
        jre_paths = walk(jre)
        python_paths = walk(python)
        jre_set = set(jre_paths)
        python_set = set(python_paths)
        added = [p for p in python_paths if p not in jre_set or signature(jre, p) != signature(python, p)]
        removed = [p for p in jre_paths if p not in python_set and os.path.dirname(p) in python_set | {""}]
        layers = [
            layer(workdir, 1, jre, jre_paths),
            layer(workdir, 2, python, added, removed),
        ]
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Env": [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG=C.UTF-8",
                    "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64",
                ]
            },
            "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in layers]},
            "history": [
                {"created_by": "debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm; user servingkit 1000:1000"},
                {"created_by": "apt-get install --no-install-recommends python3 python3-numpy"},
            ],
        }
        with open(os.path.join(workdir, "config.json"), "w") as f:
            json.dump(config, f, indent=1)
        with open(os.path.join(workdir, "manifest.json"), "w") as f:
            json.dump([{"Config": "config.json", "RepoTags": ["servingkit-base:bookworm"],
                        "Layers": [name for name, _ in layers]}], f)
        with tarfile.open(out, "w") as tar:
            for name in ["manifest.json", "config.json"] + [name for name, _ in layers]:
                tar.add(os.path.join(workdir, name), arcname=name)
        print(f"packed {len(jre_paths)} JRE paths, {len(added)} Python paths (+{len(removed)} whiteouts) into {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
