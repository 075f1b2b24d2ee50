#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare a regenerated export with the committed one.

    compare.py COMMITTED_DIR NEW_DIR

Exit 0 when the files are byte-identical, or when they differ but every
reference top-1 agrees (the float logits may differ in the last bits on
another PyTorch build); exit 1 when a top-1 differs.  Needs no torch.
"""
import gzip
import hashlib
import json
import os
import struct
import sys

FILES = ("model.json", "model.safetensors.gz", "reference.safetensors.gz")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tensors(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        begin, end = t["data_offsets"]
        fmt = {"I32": "i", "F32": "f", "I8": "b"}[t["dtype"]]
        raw = data[base + begin:base + end]
        out[name] = struct.unpack("<%d%s" % (len(raw) // struct.calcsize(fmt), fmt), raw)
    return out


def main():
    old, new = sys.argv[1], sys.argv[2]
    same = [f for f in FILES if digest(os.path.join(old, f)) == digest(os.path.join(new, f))]
    if len(same) == len(FILES):
        print("model-data: regenerated files are byte-identical to %s" % old)
        return 0
    print("model-data: differs from %s in %s" % (old, ", ".join(f for f in FILES if f not in same)))
    a = tensors(os.path.join(old, "reference.safetensors.gz"))
    b = tensors(os.path.join(new, "reference.safetensors.gz"))
    if a["inputs"] != b["inputs"]:
        print("model-data: the reference inputs differ (data generator changed?)")
        return 1
    diff = max(abs(x - y) for x, y in zip(a["logits"], b["logits"]))
    agree = sum(x == y for x, y in zip(a["top1"], b["top1"]))
    print("model-data: top-1 agrees on %d of %d reference inputs; largest logit difference %g"
          % (agree, len(a["top1"]), diff))
    return 0 if agree == len(a["top1"]) else 1


if __name__ == "__main__":
    sys.exit(main())
