#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train the reference sparse GSC CNN (gsc_sparse.py) and export it.

    /usr/bin/python3 tools/model/export.py --out DIR [--variant sparse|super_sparse]

Writes into DIR (see tests/data/gsc/README.md):
  model.json               layers, shapes, K, k, sparsity, BN, boost, activation ranges
  model.safetensors.gz     weights (F16), biases (F16), BN running stats, duty cycles
                           and boost factors (F32); gzip of a plain safetensors file
  reference.safetensors.gz 256 test inputs (I8, scale 1/127), labels, PyTorch float
                           logits (F32) and top-1 (I32) of the exported (rounded) model

Everything is deterministic: fixed seeds, one thread, gzip without time stamp.
"""
import argparse
import gzip
import io
import json
import os
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gsc_sparse as gsc  # noqa: E402

SEED_TRAIN = 7
SEED_MASKS = 4242
SEED_CALIB = 101
SEED_REFERENCE = 202
SEED_EVAL = 303
N_CALIB = 512
N_REFERENCE = 256
N_EVAL = 2048

DTYPES = {torch.float16: "F16", torch.float32: "F32", torch.int8: "I8", torch.int32: "I32"}


def safetensors_bytes(tensors, metadata=None):
    """The safetensors format by hand: u64 LE header length, JSON header
    (padded with spaces to 8 bytes), then the raw little-endian tensors."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors:
        t = t.contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_gzip(path, data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def layer_entries(model, act_max):
    v = gsc.VARIANTS[model.variant]

    def kwta(idx, kw):
        return {"k": kw.k, "scope": "global", "boost": "kwta%d.boost" % idx,
                "duty_cycle": "kwta%d.duty_cycle" % idx, "beta": kw.beta,
                "target_density": kw.target_density,
                "boost_formula": "exp((target_density - duty_cycle) * beta)"}

    def bn(idx, m):
        return {"mean": "bn%d.running_mean" % idx, "var": "bn%d.running_var" % idx,
                "eps": m.eps, "affine": False}

    return [
        {"name": "conv1", "type": "conv2d", "in_shape": [1, 32, 32], "out_shape": [64, 28, 28],
         "kernel": [5, 5], "stride": 1, "padding": 0, "weight": "conv1.weight",
         "bias": "conv1.bias", "sparsity": model.conv1.sparsity, "K": model.conv1.K,
         "batchnorm": bn(1, model.bn1), "kwta": kwta(1, model.kwta1), "maxpool": 2,
         "act_max": act_max["bn1"], "in_density": act_max["density_conv1"]},
        {"name": "conv2", "type": "conv2d", "in_shape": [64, 14, 14], "out_shape": [64, 10, 10],
         "kernel": [5, 5], "stride": 1, "padding": 0, "weight": "conv2.weight",
         "bias": "conv2.bias", "sparsity": model.conv2.sparsity, "K": model.conv2.K,
         "batchnorm": bn(2, model.bn2), "kwta": kwta(2, model.kwta2), "maxpool": 2,
         "act_max": act_max["bn2"], "in_density": act_max["density_conv2"]},
        {"name": "fc1", "type": "linear", "in_shape": [1600], "out_shape": [v["hidden"]],
         "flatten": "chw", "weight": "fc1.weight", "bias": "fc1.bias",
         "sparsity": model.fc1.sparsity, "K": model.fc1.K,
         "batchnorm": bn(3, model.bn3), "kwta": kwta(3, model.kwta3), "maxpool": 0,
         "act_max": act_max["bn3"], "in_density": act_max["density_fc1"]},
        {"name": "fc2", "type": "linear", "in_shape": [v["hidden"]], "out_shape": [gsc.NUM_CLASSES],
         "weight": "fc2.weight", "bias": "fc2.bias", "sparsity": 0.0, "K": 1,
         "maxpool": 0, "act_max": act_max["logits"], "in_density": act_max["density_fc2"]},
    ]


def model_tensors(model):
    out = []
    for name in ("conv1", "conv2", "fc1", "fc2"):
        m = getattr(model, name)
        w = m.weight.detach()
        if hasattr(m, "mask"):
            w = w * m.mask
        out.append((name + ".weight", w.half()))
        out.append((name + ".bias", m.bias.detach().half()))
    for i, name in enumerate(("bn1", "bn2", "bn3"), 1):
        m = getattr(model, name)
        out.append(("bn%d.running_mean" % i, m.running_mean.float()))
        out.append(("bn%d.running_var" % i, m.running_var.float()))
    for i, kw in enumerate(model.kwinners(), 1):
        out.append(("kwta%d.duty_cycle" % i, kw.duty_cycle.float()))
        out.append(("kwta%d.boost" % i, kw.boost_factors().float()))
    return out


def calibrate(model):
    """Activation ranges and input densities on calibration inputs (training distribution, own
    seed): the largest BN output of each hidden layer (what the int8
    requantisation must represent: the k-WTA winners are the largest values,
    the losers become 0) and the largest |logit|."""
    x, _ = gsc.synthetic_speech(N_CALIB, seed=SEED_CALIB)
    x = gsc.dequantise_inputs(gsc.quantise_inputs(x))
    trace = {}
    with torch.no_grad():
        model(x, trace=trace)
    act = {name: float(trace[name].max()) for name in ("bn1", "bn2", "bn3")}
    act["logits"] = float(trace["logits"].abs().max())
    for name in ("conv1", "conv2", "fc1", "fc2"):
        act["density_" + name] = round(float((trace["in_" + name] != 0).float().mean()), 4)
    return act


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--variant", default="sparse", choices=sorted(gsc.VARIANTS))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--train-samples", type=int, default=6144)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED_TRAIN)
    os.makedirs(args.out, exist_ok=True)

    started = time.time()
    model = gsc.GSCSparseCNN(args.variant, mask_seed=SEED_MASKS)
    gsc.train(model, epochs=args.epochs, n_train=args.train_samples, seed=SEED_TRAIN, log=log)
    log("training took %.0f s" % (time.time() - started))
    gsc.round_weights_fp16(model)
    model.eval()

    act_max = calibrate(model)

    xe, ye = gsc.synthetic_speech(N_EVAL, seed=SEED_EVAL)
    with torch.no_grad():
        eval_acc = gsc.accuracy(model(gsc.dequantise_inputs(gsc.quantise_inputs(xe))), ye)

    xr, yr = gsc.synthetic_speech(N_REFERENCE, seed=SEED_REFERENCE)
    qr = gsc.quantise_inputs(xr)
    with torch.no_grad():
        logits = model(gsc.dequantise_inputs(qr)).float()
    top1 = logits.argmax(1).to(torch.int32)
    ref_acc = gsc.accuracy(logits, yr)
    sorted_logits = logits.sort(dim=1, descending=True).values
    margin = (sorted_logits[:, 0] - sorted_logits[:, 1])
    log("held-out accuracy %.4f (%d samples); reference accuracy %.4f; "
        "top-1 margin min %.3f median %.3f" % (eval_acc, N_EVAL, ref_acc,
                                                float(margin.min()), float(margin.median())))

    description = {
        "format": "csa-model-export",
        "version": 1,
        "network": "gsc_sparse_cnn",
        "variant": args.variant,
        "tensors": "model.safetensors.gz",
        "classes": gsc.NUM_CLASSES,
        "input": {"shape": list(gsc.INPUT_SHAPE), "dtype": "int8", "scale": 1.0 / 127.0,
                  "zero_point": 0},
        "layers": layer_entries(model, act_max),
        "calibration": {"method": "max over samples", "samples": N_CALIB, "seed": SEED_CALIB},
        "training": {"data": "synthetic speech-like spectrograms (gsc_sparse.synthetic_speech)",
                     "epochs": args.epochs, "samples": args.train_samples, "seed": SEED_TRAIN,
                     "mask_seed": SEED_MASKS, "heldout_samples": N_EVAL,
                     "heldout_accuracy": round(eval_acc, 4),
                     "weights": "float16-rounded; reference logits use the rounded model"},
        "reference": {"file": "reference.safetensors.gz", "samples": N_REFERENCE,
                      "seed": SEED_REFERENCE, "accuracy": round(ref_acc, 4)},
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(description, f, indent=1)
        f.write("\n")
    write_gzip(os.path.join(args.out, "model.safetensors.gz"),
               safetensors_bytes(model_tensors(model), {"variant": args.variant}))
    write_gzip(os.path.join(args.out, "reference.safetensors.gz"), safetensors_bytes([
        ("inputs", qr), ("input_scale", torch.tensor([1.0 / 127.0])),
        ("labels", yr.to(torch.int32)), ("logits", logits), ("top1", top1)]))
    log("wrote %s" % args.out)


if __name__ == "__main__":
    main()
