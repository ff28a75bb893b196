"""Epochs: cumulative totals, amounts from the on-chain rate card, the settlement tree, k-of-n signing, posting."""
