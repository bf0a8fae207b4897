#!/usr/bin/python3
"""Builds sentiment/local_wheels/wordmood-1.0-py3-none-any.whl from wheel-src/ with the standard library only.

A wheel is a zip holding the package and a <name>-<version>.dist-info folder (METADATA, WHEEL, RECORD). Entries
are written in sorted order with a fixed timestamp, so a rerun writes a byte-identical file:

    /usr/bin/python3 examples/python-mode/make_wheel.py
"""
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "wordmood", "1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "wheel-src")
TARGET = os.path.join(HERE, "sentiment", "local_wheels", "%s-%s-py3-none-any.whl" % (NAME, VERSION))
EPOCH = (1980, 1, 1, 0, 0, 0)


def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def main():
    files = {}
    for root, dirs, names in os.walk(os.path.join(SOURCE, NAME)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, SOURCE).replace(os.sep, "/")] = f.read()
    info = "%s-%s.dist-info/" % (NAME, VERSION)
    files[info + "METADATA"] = (
        "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: Word-list sentiment scores (a ServingKit example)\n"
        % (NAME, VERSION)).encode()
    files[info + "WHEEL"] = b"Wheel-Version: 1.0\nGenerator: make_wheel.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join("%s,%s,%d\n" % (path, digest(data), len(data)) for path, data in sorted(files.items()))
    files[info + "RECORD"] = (record + info + "RECORD,,\n").encode()
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    with zipfile.ZipFile(TARGET, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path in sorted(files):
            entry = zipfile.ZipInfo(path, EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            wheel.writestr(entry, files[path])
    print(os.path.relpath(TARGET, os.getcwd()))


if __name__ == "__main__":
    main()
