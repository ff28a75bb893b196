"""DDEX DSRF 3.x flat files: profiles, cells, blocks, multi-file reports (see docs/formats.md)."""
