# SPDX-License-Identifier: MIT
"""Export a chain of layers to the model JSON + safetensors csa-pack reads.

A chain is what the card runs today (docs/model-format.md): each layer is a
Conv2d or Linear, then optionally BatchNorm (affine or not), k-WTA and
max-pool; a Linear reads the previous output flattened (CHW).  The export
writes the masked weights (zeros are the masks), the K of each pruned layer
(csa_K from complementary_prune, else 1), BN statistics and, when affine,
gamma and beta, k-WTA k, scope and boost factors, and the activation range
act_max and input density of each layer measured on @calib_inputs (the
largest BN output before k-WTA; for a layer without k-WTA the largest
magnitude).  csa-pack --calibrate can recompute the ranges from other
inputs.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from export import safetensors_bytes  # noqa: E402


class ChainLayer:
    def __init__(self, name, module, bn=None, kwta=None, maxpool=0):
        if not isinstance(module, (nn.Conv2d, nn.Linear)):
            raise TypeError("%s: %s is neither Conv2d nor Linear" % (name, type(module).__name__))
        if len(name) >= 16:
            raise ValueError("%s: layer names have at most 15 characters" % name)
        self.name, self.module, self.bn, self.kwta, self.maxpool = name, module, bn, kwta, maxpool

    def forward(self, x, trace=None):
        if isinstance(self.module, nn.Linear):
            x = x.flatten(1)
        if trace is not None:
            trace["in"] = x
        x = self.module(x)
        if self.bn is not None:
            x = self.bn(x)
        if trace is not None:
            trace["out"] = x
        if self.kwta is not None:
            x = self.kwta(x)
        if self.maxpool:
            x = F.max_pool2d(x, self.maxpool)
        return x


def run_chain(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def _layer_entry(layer, in_shape, out_shape, act_max, density, tensors):
    m, n = layer.module, layer.name
    e = {"name": n, "type": "conv2d" if isinstance(m, nn.Conv2d) else "linear",
         "in_shape": list(in_shape), "out_shape": list(out_shape)}
    if isinstance(m, nn.Conv2d):
        if (m.kernel_size[0] != m.kernel_size[1] or m.stride[0] != m.stride[1]
                or m.padding[0] != m.padding[1] or m.dilation != (1, 1) or m.groups != 1):
            raise ValueError("%s: only square kernels, equal strides and padding, no "
                             "dilation or groups" % n)
        e.update(kernel=list(m.kernel_size), stride=m.stride[0], padding=m.padding[0])
    else:
        e["flatten"] = "chw"
    w = m.weight.detach().float()
    if getattr(m, "csa_mask", None) is not None:
        w = w * m.csa_mask
    tensors.append((n + ".weight", w.contiguous()))
    e["weight"] = n + ".weight"
    if m.bias is not None:
        tensors.append((n + ".bias", m.bias.detach().float()))
        e["bias"] = n + ".bias"
    e["K"] = int(getattr(m, "csa_K", 1))
    e["sparsity"] = round(1.0 - 1.0 / e["K"], 4)
    if layer.bn is not None:
        bn = layer.bn
        tensors.append((n + ".bn.mean", bn.running_mean.float()))
        tensors.append((n + ".bn.var", bn.running_var.float()))
        e["batchnorm"] = {"mean": n + ".bn.mean", "var": n + ".bn.var", "eps": float(bn.eps),
                          "affine": bool(bn.affine)}
        if bn.affine:
            tensors.append((n + ".bn.weight", bn.weight.detach().float()))
            tensors.append((n + ".bn.bias", bn.bias.detach().float()))
            e["batchnorm"].update(weight=n + ".bn.weight", bias=n + ".bn.bias")
    if layer.kwta is not None:
        kw = layer.kwta
        tensors.append((n + ".kwta.boost", kw.boost_factors().float()))
        e["kwta"] = {"k": int(kw.k), "scope": "local" if getattr(kw, "local", False) else "global",
                     "boost": n + ".kwta.boost"}
    e["maxpool"] = int(layer.maxpool)
    e["act_max"] = act_max
    e["in_density"] = density
    return e


@torch.no_grad()
def export_chain(layers, input_shape, input_scale, calib_inputs, out_dir, network="model"):
    """Write out_dir/model.json and out_dir/model.safetensors for @layers
    (ChainLayer list, modules in eval mode) with int8 input @input_scale;
    @calib_inputs (N x input_shape floats) set act_max and in_density."""
    os.makedirs(out_dir, exist_ok=True)
    x = calib_inputs
    entries, tensors = [], []
    for layer in layers:
        trace = {}
        in_shape = tuple(x.shape[1:]) if isinstance(layer.module, nn.Conv2d) else (x[0].numel(),)
        x = layer.forward(x, trace)
        out = trace["out"]
        act = float(out.max()) if layer.kwta is not None else float(out.abs().max())
        density = round(float((trace["in"] != 0).float().mean()), 4)
        entries.append(_layer_entry(layer, in_shape, tuple(out.shape[1:]), act, density, tensors))
    doc = {"format": "csa-model-export", "version": 1, "network": network,
           "tensors": "model.safetensors",
           "input": {"shape": list(input_shape), "dtype": "int8", "scale": float(input_scale),
                     "zero_point": 0},
           "layers": entries,
           "calibration": {"method": "max over samples", "samples": int(calib_inputs.shape[0])}}
    with open(os.path.join(out_dir, "model.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(tensors))
    return doc
