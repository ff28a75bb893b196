"""Per-account settlement: flattening tracks through their splits, leaves, tree, data file."""
