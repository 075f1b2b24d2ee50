# SPDX-License-Identifier: MIT
"""Complementary pruning: masks that pack exactly into the card's kernels.

For each Conv2d / Linear, the output kernels are taken in groups of
K = round(1 / density) consecutive kernels.  Inside a group every weight
position (in_channels x kh x kw, or in_features) is given to exactly one
kernel: the one whose weight there has the largest magnitude.  The masks of
a group are then disjoint and cover the fan-in, so the group packs into one
dense kernel (csa-pack finds these runs and packs them "exact", at 100 %
efficiency).  A last group of m < K kernels covers the fan-in among its m
kernels (density 1/m for those kernels), so it packs exactly too.

The mask is kept on the module as the buffer ``csa_mask`` (same shape as the
weight) and multiplied into the weight; MaskKeeper keeps it applied while
fine-tuning.
"""
import torch
import torch.nn as nn


def prunable_layers(model, exclude=()):
    """(name, module) of every Conv2d / Linear of @model, in module order,
    except those named in @exclude.  Grouped convolutions are refused: their
    kernels do not share a fan-in."""
    out = []
    for name, m in model.named_modules():
        if not isinstance(m, (nn.Conv2d, nn.Linear)) or name in exclude:
            continue
        if isinstance(m, nn.Conv2d) and m.groups != 1:
            raise ValueError("%s: Conv2d with groups=%d: complementary groups need a shared "
                             "fan-in (exclude it)" % (name, m.groups))
        out.append((name, m))
    return out


def group_masks(weight, K):
    """Complementary masks for @weight (out x ...): per group of K consecutive
    kernels, each position goes to the kernel with the largest |weight|
    (ties: the lower kernel)."""
    w = weight.detach().reshape(weight.shape[0], -1).abs()
    mask = torch.zeros_like(w)
    for first in range(0, w.shape[0], K):
        block = w[first:first + K]
        winner = block.argmax(dim=0)  # first maximum on ties
        mask[first:first + K].scatter_(0, winner.unsqueeze(0), 1.0)
    return mask.view_as(weight)


def complementary_prune(model, density, exclude=()):
    """Prune every Conv2d / Linear of @model (except @exclude names) in place
    to complementary masks of K = round(1 / density) (a float, or a dict of
    layer name -> density).  Returns {layer name: K}."""
    done = {}
    for name, m in prunable_layers(model, exclude):
        d = density.get(name) if isinstance(density, dict) else density
        if d is None:
            continue
        if not 0 < d <= 1:
            raise ValueError("%s: density %r outside (0, 1]" % (name, d))
        K = max(1, int(round(1.0 / d)))
        if K > 255:
            raise ValueError("%s: K = %d exceeds the format's 255" % (name, K))
        mask = group_masks(m.weight, K)
        if hasattr(m, "csa_mask"):
            m.csa_mask.copy_(mask)
        else:
            m.register_buffer("csa_mask", mask)
        m.csa_K = K
        with torch.no_grad():
            m.weight.mul_(mask)
        done[name] = K
    return done


def check_complementary(model):
    """Problems with the masks of @model, as strings; an empty list means
    every pruned layer's groups of K kernels are disjoint and cover the
    fan-in exactly once, and no weight is non-zero outside its mask."""
    problems = []
    for name, m in model.named_modules():
        mask = getattr(m, "csa_mask", None)
        if mask is None:
            continue
        K = m.csa_K
        flat = mask.reshape(mask.shape[0], -1)
        for first in range(0, flat.shape[0], K):
            cover = flat[first:first + K].sum(dim=0)
            if not bool((cover == 1).all()):
                problems.append("%s: group at kernel %d: %d positions covered %s times"
                                % (name, first, int((cover != 1).sum()),
                                   sorted(set(int(c) for c in cover[cover != 1].tolist()))))
        if not bool(((m.weight.detach() != 0) & (mask == 0)).sum() == 0):
            problems.append("%s: non-zero weights outside the mask" % name)
    return problems
