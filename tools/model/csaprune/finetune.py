# SPDX-License-Identifier: MIT
"""Fine-tuning that keeps complementary masks.

MaskKeeper(model) finds every module with a ``csa_mask`` buffer
(complementary_prune) and keeps its weight zero outside the mask: a
gradient hook zeroes the masked gradients (so plain SGD never moves them),
and after every optimiser step the masks are multiplied in again
(optimisers with momentum or weight decay, Adam's moments, would otherwise
grow pruned weights back).  PyTorch 1.13 has no optimiser step hooks, so
attach() wraps optimizer.step.
"""
import functools

import torch


class MaskKeeper:
    def __init__(self, model):
        self.layers = [m for m in model.modules() if getattr(m, "csa_mask", None) is not None]
        self.handles = [m.weight.register_hook(functools.partial(self._mask_grad, m))
                        for m in self.layers]

    @staticmethod
    def _mask_grad(module, grad):
        return grad * module.csa_mask

    @torch.no_grad()
    def apply(self):
        """Multiply every mask into its weight (after a step, a load, ...)."""
        for m in self.layers:
            m.weight.mul_(m.csa_mask)

    def attach(self, optimizer):
        """Re-apply the masks after each optimizer.step(); returns @optimizer."""
        step = optimizer.step

        @functools.wraps(step)
        def step_and_mask(*args, **kwargs):
            out = step(*args, **kwargs)
            self.apply()
            return out
        optimizer.step = step_and_mask
        return optimizer

    def detach(self):
        for h in self.handles:
            h.remove()
        self.handles = []
