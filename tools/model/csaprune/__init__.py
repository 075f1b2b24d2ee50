# SPDX-License-Identifier: MIT
"""csaprune: take a PyTorch CNN towards the CSA card's complementary sparsity.

Run with Debian's interpreter (/usr/bin/python3, python3-torch).  Put
tools/model on sys.path and ``import csaprune``:

    complementary_prune(model, density)   masks that pack exactly (prune.py)
    KWinners(...)                          k-WTA, global or local, boosted (kwta.py)
    MaskKeeper(model).attach(optimizer)    fine-tune without losing the masks (finetune.py)
    export_chain(...)                      a chain of layers -> csa-pack's model.json (export_chain.py)

docs/complementary-pruning.md describes the method and a worked example.
"""
from .prune import complementary_prune, check_complementary, prunable_layers  # noqa: F401
from .kwta import KWinners  # noqa: F401
from .finetune import MaskKeeper  # noqa: F401
from .export_chain import ChainLayer, export_chain, run_chain  # noqa: F401
