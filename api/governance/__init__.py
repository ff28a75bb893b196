"""Governance: UsageSettlement's timelocked changes (queued, applied, cancelled), read-only."""
