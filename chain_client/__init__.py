"""Python client for the royalty contracts: compile, deploy, send, sign (EIP-712), prove (Merkle).

Depends on nothing in oracle/ or api/; see docs/INTERFACES.md for the public surface.
"""
