"""Independent oracle nodes: one process each, with its own key, store and raw-report store.

Peers talk over a small HTTP interface (server.py). A leader per epoch proposes a cut (the
report versions and operator decisions it counts, by content hash) and a pinned block; every
follower recomputes the epoch from its own store and signs only what it computed itself.
"""
