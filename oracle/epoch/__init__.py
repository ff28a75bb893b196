"""Epochs: cumulative totals, on-chain rates, the settlement tree, k-of-n signing, posting."""
