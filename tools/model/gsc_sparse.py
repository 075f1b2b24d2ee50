# SPDX-License-Identifier: MIT
"""The reference Google-Speech-Commands sparse CNN of DESIGN.md, in PyTorch.

Run with Debian's interpreter (/usr/bin/python3): python3-torch 1.13 is
importable only from there.  export.py trains it and writes the exchange
files; this module holds the network, the synthetic data and the training.

Network (input 1x32x32, 12 classes):
  conv5x5 1->64   50 % sparse (K = 2)  + BN (no affine) + k-WTA 9.5 %  + maxpool 2
  conv5x5 64->64  80 % sparse (K = 5)  + BN (no affine) + k-WTA 12.5 % + maxpool 2
  flatten 1600
  linear 1600->1000 90 % sparse (K = 10) + BN (no affine) + k-WTA k = 100
  linear 1000->12 dense
The "super_sparse" variant has 1500 hidden units at 95 % (K = 20), k = 100.

Sparse weights carry fixed *complementary* masks: the output units are taken
in groups of K consecutive units, and for every group the fan-in positions
(in_channels x kh x kw, or in_features) are dealt out at random (fixed seed)
to K slots, unit j of the group owning slot j.  Inside a group the masks are
disjoint and together cover the fan-in, so the group packs into one dense
kernel.  When the unit count is not a multiple of K the last group is
partial: its units keep the 1/K density, the positions of the missing slots
stay zero.

k-WTA follows nupic.torch's KWinners / KWinners2d with local=False (the
default of nupic's GSCSparseCNN): for a conv layer the winners are the top k
of the whole C x H x W output of a sample, k = round(percent_on * C*H*W); the
boost is per channel.  Winners are chosen on boosted values
x * exp((target_density - duty_cycle) * beta) and keep their own value x;
the others are set to 0.  Unlike nupic, the same k is used for training and
inference (no k_inference_factor) and the boost strength beta decays per
epoch and is frozen at export together with the duty cycles.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 12
INPUT_SHAPE = (1, 32, 32)

VARIANTS = {
    "sparse": {"hidden": 1000, "hidden_sparsity": 0.90, "hidden_K": 10},
    "super_sparse": {"hidden": 1500, "hidden_sparsity": 0.95, "hidden_K": 20},
}


def complementary_mask(out_units, fan_in, K, generator):
    """Masks of shape (out_units, fan_in): per group of K units a random
    partition of the fan-in into K slots; unit j of a group owns slot j."""
    mask = torch.zeros(out_units, fan_in)
    for first in range(0, out_units, K):
        perm = torch.randperm(fan_in, generator=generator)
        slot_of_position = torch.empty(fan_in, dtype=torch.long)
        # position perm[i] goes to slot i % K: slot sizes differ by at most 1
        slot_of_position[perm] = torch.arange(fan_in) % K
        for j in range(min(K, out_units - first)):
            mask[first + j] = (slot_of_position == j).float()
    return mask


class SparseConv2d(nn.Conv2d):
    """Conv2d whose weight is multiplied by a fixed complementary mask."""

    def __init__(self, in_ch, out_ch, kernel, K, generator):
        super().__init__(in_ch, out_ch, kernel)
        self.K = K
        self.sparsity = 1.0 - 1.0 / K
        fan_in = in_ch * kernel * kernel
        mask = complementary_mask(out_ch, fan_in, K, generator)
        self.register_buffer("mask", mask.view_as(self.weight))
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias)


class SparseLinear(nn.Linear):
    """Linear whose weight is multiplied by a fixed complementary mask."""

    def __init__(self, in_f, out_f, K, generator):
        super().__init__(in_f, out_f)
        self.K = K
        self.sparsity = 1.0 - 1.0 / K
        self.register_buffer("mask", complementary_mask(out_f, in_f, K, generator))
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


class KWinners(nn.Module):
    """Global k-WTA with boost (nupic.torch KWinners / KWinners2d local=False).

    units: number of boost units (channels for conv outputs, features for
    linear ones); per_unit: elements per unit and sample (H*W, or 1).
    """

    def __init__(self, units, per_unit, k, beta=1.5, beta_decay=0.9,
                 duty_cycle_period=1000):
        super().__init__()
        self.units = units
        self.per_unit = per_unit
        self.k = k
        self.target_density = k / float(units * per_unit)
        self.beta = beta
        self.beta_decay = beta_decay
        self.duty_cycle_period = duty_cycle_period
        self.register_buffer("duty_cycle", torch.zeros(units))
        self.register_buffer("learning_iterations", torch.zeros((), dtype=torch.long))

    def boost_factors(self):
        return torch.exp((self.target_density - self.duty_cycle) * self.beta)

    def forward(self, x):
        shape = x.shape
        boost = self.boost_factors()
        if x.dim() == 4:
            boosted = x * boost.view(1, -1, 1, 1)
        else:
            boosted = x * boost.view(1, -1)
        flat = boosted.reshape(shape[0], -1)
        winners = flat.topk(self.k, dim=1, sorted=False).indices
        keep = torch.zeros_like(flat).scatter_(1, winners, 1.0).view(shape)
        out = x * keep
        if self.training:
            self._update_duty_cycle(keep)
        return out

    @torch.no_grad()
    def _update_duty_cycle(self, keep):
        batch = keep.shape[0]
        self.learning_iterations += batch
        period = min(self.duty_cycle_period, int(self.learning_iterations))
        if keep.dim() == 4:
            wins = keep.sum(dim=(0, 2, 3)) / self.per_unit
        else:
            wins = keep.sum(dim=0)
        self.duty_cycle.mul_(period - batch).add_(wins).div_(period)

    def end_epoch(self):
        self.beta *= self.beta_decay


class GSCSparseCNN(nn.Module):
    def __init__(self, variant="sparse", mask_seed=4242):
        super().__init__()
        v = VARIANTS[variant]
        self.variant = variant
        g = torch.Generator().manual_seed(mask_seed)
        self.conv1 = SparseConv2d(1, 64, 5, K=2, generator=g)
        self.bn1 = nn.BatchNorm2d(64, affine=False)
        # 64 x 28 x 28 outputs, 9.5 % on
        self.kwta1 = KWinners(64, 28 * 28, k=round(0.095 * 64 * 28 * 28))
        self.conv2 = SparseConv2d(64, 64, 5, K=5, generator=g)
        self.bn2 = nn.BatchNorm2d(64, affine=False)
        # 64 x 10 x 10 outputs, 12.5 % on
        self.kwta2 = KWinners(64, 10 * 10, k=round(0.125 * 64 * 10 * 10))
        self.fc1 = SparseLinear(1600, v["hidden"], K=v["hidden_K"], generator=g)
        self.bn3 = nn.BatchNorm1d(v["hidden"], affine=False)
        self.kwta3 = KWinners(v["hidden"], 1, k=100)
        self.fc2 = nn.Linear(v["hidden"], NUM_CLASSES)

    def kwinners(self):
        return [self.kwta1, self.kwta2, self.kwta3]

    def forward(self, x, trace=None):
        """trace: optional dict that receives each layer's input
        ("in_<layer>"), the BN outputs (before k-WTA) and the logits, for
        activation-range calibration and input densities."""
        def keep(name, t):
            if trace is not None:
                trace[name] = t
            return t
        x = keep("bn1", self.bn1(self.conv1(keep("in_conv1", x))))
        x = F.max_pool2d(self.kwta1(x), 2)
        x = keep("bn2", self.bn2(self.conv2(keep("in_conv2", x))))
        x = F.max_pool2d(self.kwta2(x), 2)
        x = x.flatten(1)
        x = keep("bn3", self.bn3(self.fc1(keep("in_fc1", x))))
        x = self.kwta3(x)
        return keep("logits", self.fc2(keep("in_fc2", x)))


# ---------------------------------------------------------------- data

def class_prototypes(seed):
    """Per class: 2-3 formant tracks (start row, slope, curvature, onset,
    length, width, amplitude) and an optional broadband burst."""
    g = torch.Generator().manual_seed(seed)
    protos = []

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand((), generator=g).item()
    for _ in range(NUM_CLASSES):
        n = 2 + int(torch.randint(0, 2, (1,), generator=g))
        formants = []
        for _ in range(n):
            formants.append(dict(f0=u(3, 28), slope=u(-0.5, 0.5), curve=u(-0.02, 0.02),
                                 onset=u(2, 10), length=u(10, 22), width=u(0.8, 2.2),
                                 amp=u(0.5, 1.0)))
        burst = None
        if torch.rand((), generator=g).item() < 0.5:
            burst = dict(t=u(0, 24), length=u(2, 6), lo=u(0, 16), hi=u(16, 32), amp=u(0.3, 0.6))
        protos.append(dict(formants=formants, burst=burst))
    return protos


def synthetic_speech(n, seed, proto_seed=1234):
    """n deterministic 'spectrogram-like' samples in [0, 1] (rows =
    frequency, columns = time) and their labels.  Each class is a fixed set
    of formant tracks; samples jitter time/frequency shift, amplitude,
    width and add noise."""
    protos = class_prototypes(proto_seed)
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    f = torch.arange(32.0).view(1, 32, 1)
    t = torch.arange(32.0).view(1, 1, 32)
    tshift = torch.randint(-6, 7, (n,), generator=g).float().view(n, 1, 1)
    fshift = (torch.rand(n, generator=g) * 6 - 3).view(n, 1, 1)
    gain = (0.3 + 0.7 * torch.rand(n, generator=g)).view(n, 1, 1)
    stretch = (0.75 + 0.5 * torch.rand(n, generator=g)).view(n, 1, 1)
    noise = torch.randn(n, 32, 32, generator=g) * (0.15 + 0.25 * torch.rand(n, 1, 1, generator=g))
    x = torch.zeros(n, 32, 32)
    for c in range(NUM_CLASSES):
        sel = labels == c
        if not bool(sel.any()):
            continue
        ts, fs, st = tshift[sel], fshift[sel], stretch[sel]
        img = torch.zeros(int(sel.sum()), 32, 32)
        for fm in protos[c]["formants"]:
            tt = (t - fm["onset"] - ts) / st
            centre = fm["f0"] + fs + fm["slope"] * tt + fm["curve"] * tt * tt
            band = torch.exp(-((f - centre) ** 2) / (2 * fm["width"] ** 2))
            env = torch.sigmoid(2 * tt) * torch.sigmoid(2 * (fm["length"] - tt))
            img = img + fm["amp"] * band * env
        b = protos[c]["burst"]
        if b is not None:
            tt = t - b["t"] - ts
            env = torch.sigmoid(3 * tt) * torch.sigmoid(3 * (b["length"] - tt))
            rows = ((f >= b["lo"] + fs) & (f <= b["hi"] + fs)).float()
            img = img + b["amp"] * rows * env
        x[sel] = img
    x = (x * gain + noise).clamp(0.0, 1.0)
    return x.unsqueeze(1), labels


def quantise_inputs(x):
    """Inputs as the card takes them: int8, scale 1/127, zero point 0."""
    return torch.round(x * 127.0).clamp(-128, 127).to(torch.int8)


def dequantise_inputs(q):
    return q.float() / 127.0


# ---------------------------------------------------------------- training

def train(model, epochs=4, n_train=6144, batch=64, seed=7, log=print):
    torch.manual_seed(seed)
    x, y = synthetic_speech(n_train, seed=seed + 1)
    # the network always sees card-representable inputs
    x = dequantise_inputs(quantise_inputs(x))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(seed + 2)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n_train, generator=g)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, n_train, batch):
            idx = order[i:i + batch]
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += float(loss) * len(idx)
            correct += int((out.argmax(1) == y[idx]).sum())
            total += len(idx)
        for kw in model.kwinners():
            kw.end_epoch()
        log("epoch %d: loss %.4f train accuracy %.3f" % (epoch + 1, loss_sum / total, correct / total))
    model.eval()
    return model


def round_weights_fp16(model):
    """Round every float parameter and BN statistic to float16 values (kept
    in float32) and re-apply the masks: the exported file stores float16,
    and the reference outputs are computed with exactly these values."""
    with torch.no_grad():
        for m in model.modules():
            for name in ("weight", "bias", "running_mean", "running_var"):
                t = getattr(m, name, None)
                if isinstance(t, torch.Tensor) and t.is_floating_point():
                    t.copy_(t.half().float())
            if hasattr(m, "mask"):
                m.weight.mul_(m.mask)
        for kw in model.kwinners():
            kw.duty_cycle.copy_(kw.duty_cycle.half().float())
            kw.beta = float(torch.tensor(kw.beta).half().float())


def bn_eps(bn):
    return float(bn.eps)


def fan_in(layer):
    return layer.weight[0].numel()


def macs_dense(layer, out_hw):
    return layer.weight.numel() * out_hw


def accuracy(logits, labels):
    return float((logits.argmax(1) == labels).float().mean())


def ceil_div(a, b):
    return int(math.ceil(a / b))
