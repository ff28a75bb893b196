"""The canonical form of a track's metadata and the hash that goes on chain."""

from __future__ import annotations

import json

from eth_utils.crypto import keccak

from api.tracks.schemas import TrackMetadata


def canonical_metadata(metadata: TrackMetadata) -> bytes:
    fields = {
        "ai_disclosure": metadata.ai_disclosure.value,
        "content_hash": metadata.content_hash.lower(),
        "dataset_attribution": metadata.dataset_attribution,
        "isrc": normalize_isrc(metadata.isrc),
        "model_name": metadata.model_name,
        "title": metadata.title,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def metadata_hash(metadata: TrackMetadata) -> str:
    return "0x" + keccak(canonical_metadata(metadata)).hex()


def normalize_isrc(isrc: str | None) -> str | None:
    return isrc.replace("-", "").upper() if isrc else None
