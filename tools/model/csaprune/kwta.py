# SPDX-License-Identifier: MIT
"""k-WTA (k winners take all) with boosting, as the card computes it.

Global (the default, nupic.torch KWinners / KWinners2d local=False): the k
largest boosted values of a sample's whole output win.  Local (KWinners2d
local=True): at every spatial position the k largest boosted channels win.
Winners keep their own (unboosted) value, the rest become 0.  Boost per
unit (channel): exp((target_density - duty_cycle) * beta), duty cycles
updated while training, beta decayed by end_epoch().  Global k-WTA reuses
the reference network's KWinners (gsc_sparse.py); the packer reads k, scope
and the boost factors (export_chain.py writes them).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import gsc_sparse  # noqa: E402


class KWinners(gsc_sparse.KWinners):
    """k-WTA after a layer of @units channels (conv) or features (linear).

    per_unit: elements per unit and sample (H*W for conv outputs, 1 for
    linear); k: winners per sample (global) or per position (local);
    local: per-position competition across channels (conv outputs only).
    """

    def __init__(self, units, per_unit, k, local=False, beta=1.5, beta_decay=0.9,
                 duty_cycle_period=1000):
        super().__init__(units, per_unit, k, beta, beta_decay, duty_cycle_period)
        self.local = local
        if local:
            if not 1 <= k <= units:
                raise ValueError("local k-WTA: k = %d outside 1..%d channels" % (k, units))
            self.target_density = k / float(units)
        elif not 1 <= k <= units * per_unit:
            raise ValueError("k-WTA: k = %d outside 1..%d" % (k, units * per_unit))

    def forward(self, x):
        if not self.local:
            return super().forward(x)
        if x.dim() != 4:
            raise ValueError("local k-WTA needs an N x C x H x W input")
        boosted = x * self.boost_factors().view(1, -1, 1, 1)
        winners = boosted.topk(self.k, dim=1, sorted=False).indices
        keep = torch.zeros_like(x).scatter_(1, winners, 1.0)
        if self.training:
            self._update_duty_cycle(keep)
        return x * keep
