"""Registers tracks on chain (split included), records them and keeps the oracle catalog in step."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from web3 import Web3
from web3.logs import DISCARD

from api.auth.principal import Principal
from api.chain.gateway import ChainGateway
from api.db.types import utc_now
from api.errors import Conflict, Forbidden, NotFound
from api.pagination import Page, PageParams
from api.tracks.catalog_sync import publish_track_to_catalog
from api.tracks.metadata import metadata_hash, normalize_isrc
from api.tracks.models import Track, TrackContributor
from api.tracks.repository import TrackRepository
from api.tracks.schemas import (
    ChainAction,
    ConsentChange,
    ContributorShare,
    PreparedTransaction,
    TierChange,
    TrackCreate,
    TrackOut,
)
from chain_client.contracts.track_registry import registration_salt


def track_out(track: Track, contributors: list[TrackContributor]) -> TrackOut:
    return TrackOut(
        **track.model_dump(exclude={"idempotency_key"}),
        contributors=[
            ContributorShare(address=c.address, share=c.share, role=c.role) for c in contributors
        ],
    )


class TrackService:
    def __init__(self, session: Session, chain: ChainGateway) -> None:
        self.session = session
        self.chain = chain
        self.repo = TrackRepository(session)

    def get(self, track_id: int) -> TrackOut:
        track = self.repo.get(track_id)
        if track is None:
            raise NotFound(f"track_id: no track {track_id}")
        return track_out(track, self.repo.contributors(track_id))

    def list(
        self, page: PageParams, controller: str | None, contributor: str | None
    ) -> Page[TrackOut]:
        rows, total = self.repo.page(
            page.offset, page.limit, controller=controller, contributor=contributor
        )
        grouped = self.repo.contributors_of([t.track_id for t in rows])
        items = [track_out(t, grouped[t.track_id]) for t in rows]
        return Page[TrackOut](items=items, total=total, limit=page.limit, offset=page.offset)

    def register(
        self, body: TrackCreate, principal: Principal, idempotency_key: str | None
    ) -> tuple[TrackOut, bool]:
        """Returns the track and whether it was created now (False: replay of the same key)."""
        if not principal.is_operator and not principal.is_wallet(body.controller):
            raise Forbidden("controller: a wallet may only register tracks it controls")
        meta_hash = metadata_hash(body)
        if idempotency_key is not None:
            existing = self.repo.by_idempotency_key(idempotency_key)
            if existing is not None:
                if (
                    existing.metadata_hash != meta_hash
                    or existing.controller != body.controller
                    or existing.settle_to_split != body.settle_to_split
                ):
                    raise Conflict(
                        "Idempotency-Key: already used for a different track",
                        {"track_id": existing.track_id},
                    )
                return self.get(existing.track_id), False
        isrc = normalize_isrc(body.isrc)
        if isrc is not None and self.repo.by_isrc(isrc) is not None:
            raise Conflict(f"isrc: {isrc} is already registered to another track")
        ordered = sorted(body.contributors, key=lambda c: int(c.address, 16))
        registry = self.chain.contract("TrackRegistry")
        meta_bytes = bytes.fromhex(meta_hash[2:])
        track_count = int(self.chain.call(registry.functions.trackCount()))
        receipt = self.chain.send_as_operator(
            registry.functions.registerTrack(
                body.controller,
                [c.address for c in ordered],
                [c.share for c in ordered],
                body.tier,
                body.ai_consent_mask,
                meta_bytes,
                registration_salt(body.controller, meta_bytes, track_count),
                body.settle_to_split,  # False: flattened to the contributors
            )
        )
        event = registry.events.TrackRegistered().process_receipt(receipt, errors=DISCARD)[0][
            "args"
        ]
        track = Track(
            track_id=int(event["trackId"]),
            split_address=Web3.to_checksum_address(event["split"]),
            controller=body.controller,
            title=body.title,
            isrc=normalize_isrc(body.isrc),
            ai_disclosure=body.ai_disclosure.value,
            model_name=body.model_name,
            dataset_attribution=body.dataset_attribution,
            content_hash=body.content_hash,
            metadata_hash=meta_hash,
            tier=body.tier,
            ai_consent_mask=body.ai_consent_mask,
            settle_to_split=body.settle_to_split,
            registered_tx=receipt["transactionHash"].to_0x_hex(),
            idempotency_key=idempotency_key,
            created_at=utc_now(),
        )
        contributors = [
            TrackContributor(track_id=track.track_id, address=c.address, share=c.share, role=c.role)
            for c in ordered
        ]
        self.repo.add(track, contributors)
        publish_track_to_catalog(self.session, self.chain, track)
        return track_out(track, contributors), True

    def _controlled_track(self, track_id: int, principal: Principal) -> Track:
        track = self.repo.get(track_id)
        if track is None:
            raise NotFound(f"track_id: no track {track_id}")
        if not principal.is_operator and not principal.is_wallet(track.controller):
            raise Forbidden(f"track_id: only the controller of track {track_id} may change it")
        return track

    def _act_as_controller(self, track: Track, function: Any) -> ChainAction:
        """The operator sends it when it is the on-chain controller; else the wallet signs it."""
        if self.chain.settings.operator_key and (
            self.chain.operator_address.lower() == track.controller.lower()
        ):
            receipt = self.chain.send_as_operator(function)
            return ChainAction(tx_hash=receipt["transactionHash"].to_0x_hex())
        return ChainAction(transaction=PreparedTransaction(**self.chain.prepared(function)))

    def change_tier(self, track_id: int, body: TierChange, principal: Principal) -> ChainAction:
        track = self._controlled_track(track_id, principal)
        registry = self.chain.contract("TrackRegistry")
        action = self._act_as_controller(track, registry.functions.setTier(track_id, body.tier))
        if action.tx_hash is not None:
            self.repo.update_tier(track_id, body.tier)
            publish_track_to_catalog(self.session, self.chain, track)
        return action

    def change_consent(
        self, track_id: int, body: ConsentChange, principal: Principal
    ) -> ChainAction:
        track = self._controlled_track(track_id, principal)
        registry = self.chain.contract("TrackRegistry")
        function = registry.functions.setConsent(
            track_id, body.usage_class, body.granted, body.effective_at
        )
        action = self._act_as_controller(track, function)
        if action.tx_hash is not None:
            publish_track_to_catalog(self.session, self.chain, track)
        return action
