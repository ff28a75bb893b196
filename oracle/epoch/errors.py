"""Errors raised while building, signing, posting and reconciling an epoch."""

from __future__ import annotations

from oracle.errors import EpochError as EpochError


class UnknownPlatform(EpochError):
    """Usage names a platform the settlement contract does not know."""

    def __init__(self, platform_id: int):
        super().__init__(f"platform {platform_id} is not registered in UsageSettlement")
        self.platform_id = platform_id


class UnknownTrack(EpochError):
    """Usage names a track whose split address is not in the catalog."""

    def __init__(self, track_id: int):
        super().__init__(f"track {track_id} has no known split address (catalog not synced?)")
        self.track_id = track_id


class InvalidUsageClass(EpochError):
    def __init__(self, usage_class: int):
        super().__init__(f"usage class {usage_class} is outside 0..5")


class NodeDisagreement(EpochError):
    """A node recomputed the epoch and got a different report; it refuses to sign."""

    def __init__(self, node: str, field: str, proposed: object, computed: object):
        super().__init__(
            f"node {node} refuses to sign: {field} differs "
            f"(proposed {proposed!r}, computed {computed!r})"
        )
        self.node = node
        self.field = field


class NotEnoughSignatures(EpochError):
    def __init__(self, epoch: int, have: int, need: int, refusals: list[str]):
        detail = "; ".join(refusals) if refusals else "no refusals recorded"
        super().__init__(f"epoch {epoch}: {have} signatures, {need} needed ({detail})")
        self.have = have
        self.need = need


class EpochOutOfStep(EpochError):
    """The chain's lastEpoch does not fit the epoch this node is working on."""


class ReconciliationMismatch(EpochError):
    """The chain's events for an epoch differ from what this node posted or computed."""


class MissingConfiguration(EpochError):
    """A setting the epoch needs (key, deployment file, ...) is missing or unreadable."""
