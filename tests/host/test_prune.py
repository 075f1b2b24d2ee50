#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Complementary pruning (tools/model/csaprune) on the reference GSC network.

    test_prune.py CSA_PACK_BINARY

A dense version of the reference network (gsc_sparse.py's layers with plain
Conv2d / Linear and csaprune's k-WTA) is trained briefly on the committed
synthetic data generator, pruned to K = 10 (conv2, fc1, fc2; conv1's fan-in
of 25 stays dense), fine-tuned briefly with MaskKeeper, exported with
export_chain and packed with csa-pack.  TAP: asserts that the masks are
exactly complementary before and after fine-tuning, that pruning kept the
largest magnitudes, that csa-pack packs the pruned layers exactly with
packing efficiency >= 98 %, and prints the accuracies (dense, pruned,
fine-tuned) as diagnostics: the drop is reported, not asserted.
Deterministic (fixed seeds, one thread); ~30 s of CPU.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "model"))

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("1..1\nok 1 # SKIP /usr/bin/python3 cannot import torch (apt-get install python3-torch)")
    sys.exit(0)

import csaprune  # noqa: E402
import gsc_sparse as gsc  # noqa: E402

N_TRAIN, N_EVAL, N_CALIB = 1536, 1024, 256
results = []


def tap(ok, name, detail=""):
    results.append(ok)
    print("%sok %d %s" % ("" if ok else "not ", len(results), name))
    for line in detail.splitlines():
        print("# " + line)
    sys.stdout.flush()


def dense_gsc():
    """The reference network's chain with dense Conv2d / Linear."""
    g = gsc.NUM_CLASSES
    return [
        csaprune.ChainLayer("conv1", nn.Conv2d(1, 64, 5), nn.BatchNorm2d(64, affine=False),
                            csaprune.KWinners(64, 28 * 28, round(0.095 * 64 * 28 * 28)), 2),
        csaprune.ChainLayer("conv2", nn.Conv2d(64, 64, 5), nn.BatchNorm2d(64),
                            csaprune.KWinners(64, 10 * 10, round(0.125 * 64 * 10 * 10)), 2),
        csaprune.ChainLayer("fc1", nn.Linear(1600, 1000), nn.BatchNorm1d(1000),
                            csaprune.KWinners(1000, 1, 100)),
        csaprune.ChainLayer("fc2", nn.Linear(1000, g)),
    ]


class Chain(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = layers
        for l in layers:
            self.add_module(l.name, l.module)
            if l.bn is not None:
                self.add_module(l.name + "_bn", l.bn)
            if l.kwta is not None:
                self.add_module(l.name + "_kwta", l.kwta)

    def forward(self, x):
        return csaprune.run_chain(self.layers, x)


def train(model, x, y, epochs, lr, keeper=None, seed=7):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    if keeper:
        keeper.attach(opt)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), 64):
            idx = order[i:i + 64]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        for l in model.layers:
            if l.kwta is not None:
                l.kwta.end_epoch()
    model.eval()


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return gsc.accuracy(model(x), y)


def kwta_checks():
    """k-WTA: global keeps k per sample, local k per position; boost moves
    the winners; duty cycles learn only in training mode."""
    g = torch.Generator().manual_seed(5)
    x = torch.rand(3, 8, 4, 4, generator=g) + 0.1
    glob = csaprune.KWinners(8, 16, 20).eval()
    loc = csaprune.KWinners(8, 16, 3, local=True).eval()
    yg, yl = glob(x), loc(x)
    ok = bool(((yg != 0).flatten(1).sum(1) == 20).all()) and \
        bool(((yl != 0).sum(1) == 3).all()) and bool(((yl == 0) | (yl == x)).all())
    top3 = x.topk(3, dim=1).values.min(dim=1, keepdim=True).values
    ok = ok and bool(((yl != 0) == (x >= top3)).all())
    tap(ok, "k-WTA: global keeps k per sample, local k per position (the k largest)")
    loc.duty_cycle.fill_(0)
    loc.duty_cycle[0] = 1.0   # channel 0 won too often: boost < 1, it loses its wins
    loc.beta = 50.0
    wins0 = int((loc(x)[:, 0] != 0).sum())
    loc.train()
    loc(x)
    tap(wins0 == 0 and float(loc.duty_cycle[0]) < 1.0,
        "k-WTA boosting: an over-active channel loses; duty cycles update in training",
        "channel 0 wins %d, duty cycle now %.3f" % (wins0, float(loc.duty_cycle[0])))


def pack_report(csa_pack, d, extra=()):
    """csa-pack --report of d/model.json: (returncode, text, {layer: row fields})."""
    out = subprocess.run([csa_pack, os.path.join(d, "model.json"), "-o",
                          os.path.join(d, "model.csa"), "--report"] + list(extra),
                         capture_output=True, text=True)
    rows = {}
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) > 7 and f[0] in ("conv1", "conv2", "fc1", "fc2"):
            # K, packing, efficiency %, nonzeros, cols, groups
            rows[f[0]] = (int(f[3]), f[5], float(f[6].rstrip("%")), int(f[7]), int(f[2]), int(f[4]))
    return out.returncode, out.stdout + out.stderr, rows


def magnitude_baseline(model, xc, csa_pack):
    """The same layers magnitude-pruned to 10 % (per layer, no complementary
    masks) on a copy: what csa-pack can make of them."""
    import copy
    twin = copy.deepcopy(model)
    for name, m in csaprune.prunable_layers(twin, exclude=("conv1",)):
        w = m.weight.detach()
        keep = max(1, w.numel() // 10)
        t = w.abs().flatten().kthvalue(w.numel() - keep + 1).values
        with torch.no_grad():
            m.weight.mul_((w.abs() >= t).float())
        m.csa_K = 10
    with tempfile.TemporaryDirectory(prefix="csa-prune-") as d:
        csaprune.export_chain(twin.layers, gsc.INPUT_SHAPE, 1.0 / 127.0, xc, d, "gsc_magnitude")
        rc, text, rows = pack_report(csa_pack, d)
    effs = dict((n, rows[n][2]) for n in ("conv2", "fc1", "fc2") if n in rows)
    tap(rc == 0 and len(effs) == 3 and max(effs.values()) < 50.0,
        "magnitude pruning to 10 %% packs badly: efficiency %s" %
        ", ".join("%s %.1f %%" % kv for kv in sorted(effs.items())), text)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_prune.py CSA_PACK_BINARY")
    csa_pack = sys.argv[1]
    started = time.process_time()
    torch.set_num_threads(1)
    torch.manual_seed(11)
    print("1..11")

    kwta_checks()

    def data(n, seed):
        xs, ys = gsc.synthetic_speech(n, seed=seed)
        return gsc.dequantise_inputs(gsc.quantise_inputs(xs)), ys
    x, y = data(N_TRAIN, 8)
    xe, ye = data(N_EVAL, 303)
    xc, _ = data(N_CALIB, 101)

    model = Chain(dense_gsc())
    train(model, x, y, epochs=2, lr=2e-3)
    acc_dense = accuracy(model, xe, ye)

    magnitude_baseline(model, xc, csa_pack)
    before = {n: m.weight.detach().clone() for n, m in csaprune.prunable_layers(model)}
    ks = csaprune.complementary_prune(model, 0.1, exclude=("conv1",))
    problems = csaprune.check_complementary(model)
    tap(ks == {"conv2": 10, "fc1": 10, "fc2": 10} and not problems,
        "masks of conv2, fc1, fc2 are exactly complementary at K = 10",
        "K per layer %s\n%s" % (ks, "\n".join(problems)))

    # each kept weight is its group's largest magnitude at that position
    worst = []
    for name, m in csaprune.prunable_layers(model, exclude=("conv1",)):
        w = before[name].reshape(before[name].shape[0], -1).abs()
        kept = (m.weight.detach().reshape(w.shape[0], -1) != 0) | (m.csa_mask.reshape(w.shape[0], -1) > 0)
        for first in range(0, w.shape[0], 10):
            block, keep = w[first:first + 10], kept[first:first + 10]
            if not bool((block.max(dim=0).values == (block * keep).max(dim=0).values).all()):
                worst.append("%s group %d" % (name, first))
    tap(not worst, "every position went to its group's largest-magnitude kernel", "\n".join(worst))
    acc_pruned = accuracy(model, xe, ye)

    keeper = csaprune.MaskKeeper(model)
    train(model, x, y, epochs=1, lr=1e-3, keeper=keeper, seed=9)
    acc_tuned = accuracy(model, xe, ye)
    problems = csaprune.check_complementary(model)
    tap(not problems, "masks still exactly complementary after fine-tuning (Adam, MaskKeeper)",
        "\n".join(problems))
    tap(acc_tuned > 1.5 / gsc.NUM_CLASSES,
        "accuracy: dense %.4f, pruned K=10 %.4f, fine-tuned 1 epoch %.4f (drop %.4f), %d held-out"
        % (acc_dense, acc_pruned, acc_tuned, acc_dense - acc_tuned, N_EVAL))

    with tempfile.TemporaryDirectory(prefix="csa-prune-") as d:
        csaprune.export_chain(model.layers, gsc.INPUT_SHAPE, 1.0 / 127.0, xc, d, "gsc_pruned")
        rc, text, rows = pack_report(csa_pack, d)
        tap(rc == 0, "csa-pack packs the pruned export", text)
        exact = all(rows.get(n, (0, ""))[1] == "exact" and rows[n][0] == 10
                    for n in ("conv2", "fc1", "fc2"))
        tap(exact, "csa-pack groups conv2, fc1, fc2 exactly at K = 10",
            "\n".join("%s: K %d %s" % (n, r[0], r[1]) for n, r in sorted(rows.items())))
        nnz = sum(r[3] for n, r in rows.items() if n != "conv1")
        packed = sum(r[5] * r[4] for n, r in rows.items() if n != "conv1")
        eff = nnz / packed if packed else 0.0
        m = re.search(r"total: .*", text)
        tap(eff >= 0.98 and all(rows[n][2] >= 98.0 for n in ("conv2", "fc1", "fc2")),
            "packing efficiency of the pruned layers %.2f %% (>= 98 %%)" % (100 * eff),
            "\n".join("%s: %.2f %%" % (n, r[2]) for n, r in sorted(rows.items()))
            + "\n" + (m.group(0) if m else ""))
        # the packer's calibration (C float forward, BN folded) on the same inputs
        # reproduces PyTorch's ranges
        from export import safetensors_bytes
        with open(os.path.join(d, "calib.safetensors"), "wb") as f:
            f.write(safetensors_bytes([("inputs", xc.contiguous())]))
        out = subprocess.run([csa_pack, os.path.join(d, "model.json"), "-o",
                              os.path.join(d, "model.csa"), "--report", "--calibrate",
                              os.path.join(d, "calib.safetensors")], capture_output=True, text=True)
        got = dict((f[0], (float(f[1]), float(f[3])))
                   for f in (line.split() for line in out.stdout.splitlines())
                   if len(f) >= 4 and f[2] == "->")
        bad = [n for n in ("conv1", "conv2", "fc1", "fc2")
               if n not in got or abs(got[n][0] - got[n][1]) > 1e-3 * got[n][0]]
        tap(out.returncode == 0 and not bad,
            "csa-pack --calibrate on the export's inputs gives PyTorch's act_max (1e-3)",
            out.stderr + "\n".join(l for l in out.stdout.splitlines() if "->" in l or "calibrated" in l))
    print("# CPU time %.1f s" % (time.process_time() - started))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
