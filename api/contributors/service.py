"""Contributor dashboard, claimable amounts and claims (relayed or as calldata)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from eth_utils.crypto import keccak
from sqlmodel import Session

from api.auth.dependencies import ensure_self_or_operator
from api.auth.principal import Principal
from api.chain.gateway import ChainGateway
from api.contributors.claim_plan import ClaimPlan, build_claim_plan
from api.contributors.dashboard import build_dashboard
from api.contributors.dashboard_cache import DashboardCache, DataVersion
from api.contributors.models import RelayedClaim
from api.contributors.repository import ContributorRepository
from api.contributors.schemas import (
    Claimable,
    ClaimableLine,
    ClaimCalldata,
    ClaimOut,
    ClaimRequest,
    ContributorDashboard,
)
from api.contributors.settlement_proofs import latest_leaves
from api.db.types import utc_now
from api.editions.repository import EditionRepository
from api.error_handlers import chain_revert_from
from api.errors import Conflict, RateLimited
from api.tracks.models import Track, TrackContributor
from api.tracks.repository import TrackRepository
from api.tracks.schemas import PreparedTransaction
from chain_client.errors import ContractRevert


class ContributorService:
    def __init__(self, session: Session, chain: ChainGateway) -> None:
        self.session = session
        self.chain = chain
        self.repo = ContributorRepository(session)
        self.tracks = TrackRepository(session)

    def dashboard(self, address: str, principal: Principal) -> ContributorDashboard:
        ensure_self_or_operator(principal, address)
        return build_dashboard(address, self.tracks.tracks_of_contributor(address), self.repo)

    def cached_dashboard_json(
        self, address: str, principal: Principal, cache: DashboardCache
    ) -> tuple[bytes | None, DataVersion]:
        """The cached dashboard while the underlying data is unchanged (one indexed query).

        Also returns the data version, so that a miss is built and cached against it."""
        ensure_self_or_operator(principal, address)
        version = self.repo.data_version()
        # Ends the read so no connection is held while the route awaits a build: a pool
        # drained by suspended requests would block the event loop on checkout.
        self.session.commit()
        return cache.get(address, version), version

    def build_dashboard_json(
        self, address: str, principal: Principal, cache: DashboardCache, version: DataVersion
    ) -> bytes:
        body = self.dashboard(address, principal).model_dump_json().encode()
        self.session.commit()  # gives the connection back from this worker thread
        cache.put(address, version, body)
        return body

    def _plan(self, address: str, request: ClaimRequest | None) -> ClaimPlan:
        memberships = self.tracks.tracks_of_contributor(address)
        if request is not None and request.track_ids is not None:
            wanted = set(request.track_ids)
            memberships = [(t, c) for t, c in memberships if t.track_id in wanted]
        track_ids = [t.track_id for t, _ in memberships]
        recipients = self.tracks.contributors_of(track_ids)
        tokens = self._tokens_of_tracks(memberships)
        if request is not None and request.token is not None:
            only = request.token.lower()
            tokens = {t: {x for x in s if x.lower() == only} for t, s in tokens.items()}
        return build_claim_plan(
            self.chain,
            address,
            [(t, recipients[t.track_id]) for t, _ in memberships],
            tokens,
            latest_leaves(self.session.connection()),
        )

    def _tokens_of_tracks(
        self, memberships: list[tuple[Track, TrackContributor]]
    ) -> dict[int, set[str]]:
        platform_tokens = self.repo.platform_tokens()
        tokens: dict[int, set[str]] = {t.track_id: set() for t, _ in memberships}
        for row in self.repo.settled_rows(list(tokens)):
            if row.platform_id in platform_tokens:
                tokens[row.track_id].add(platform_tokens[row.platform_id])
        for edition in EditionRepository(self.session).of_tracks(list(tokens)):
            tokens[edition.track_id].add(edition.token)
        return tokens

    def claimable(self, address: str, principal: Principal) -> Claimable:
        ensure_self_or_operator(principal, address)
        plan = self._plan(address, None)
        return Claimable(
            address=address,
            epoch=plan.epoch,
            per_token=plan.per_token,
            lines=[
                ClaimableLine(
                    track_id=r.track_id,
                    split_address=r.split,
                    token=r.token,
                    in_split=r.in_split,
                    to_pull=r.to_pull,
                    total=r.in_split + r.to_pull,
                )
                for r in plan.releases
            ],
        )

    def _transactions(self, plan: ClaimPlan, address: str) -> list[Any]:
        settlement = self.chain.contract("UsageSettlement")
        factory = self.chain.contract("SplitFactory")
        functions: list[Any] = [
            settlement.functions.pull(
                leaf.split,
                leaf.token,
                leaf.cumulative_amount,
                list(leaf.cumulative_units),
                [bytes.fromhex(node.removeprefix("0x")) for node in leaf.proof],
            )
            for leaf in plan.pulls
        ]
        if plan.releases:
            functions.append(
                factory.functions.releaseMany([r.as_struct() for r in plan.releases], address)
            )
        return functions

    def calldata(self, address: str, request: ClaimRequest, principal: Principal) -> ClaimCalldata:
        ensure_self_or_operator(principal, address)
        plan = self._plan(address, request)
        return ClaimCalldata(
            transactions=[
                PreparedTransaction(**self.chain.prepared(f))
                for f in self._transactions(plan, address)
            ]
        )

    def relay(
        self, address: str, request: ClaimRequest, key: str, principal: Principal
    ) -> ClaimOut:
        ensure_self_or_operator(principal, address)
        request_hash = (
            "0x"
            + keccak(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hex()
        )
        claim = self.repo.claim_by_key(address, key)
        if claim is not None:
            if claim.request_hash != request_hash:
                raise Conflict("Idempotency-Key: already used for a different claim request")
            if claim.status not in ("pending", "failed"):
                return self._claim_out(claim)
        else:
            settings = self.chain.settings
            since = utc_now() - timedelta(seconds=settings.claim_rate_window_seconds)
            if self.repo.claims_since(address, since) >= settings.claim_rate_limit:
                raise RateLimited(
                    f"address: at most {settings.claim_rate_limit} relayed claims per "
                    f"{settings.claim_rate_window_seconds} s; send the calldata yourself meanwhile",
                    {"retry_after_seconds": settings.claim_rate_window_seconds},
                )
            # Recorded before sending: a crash leaves it pending and a retry with the same key
            # resumes it. Pull and release never pay twice, so resuming is safe.
            claim = self.repo.save_claim(
                RelayedClaim(
                    address=address,
                    idempotency_key=key,
                    request_hash=request_hash,
                    status="pending",
                    created_at=utc_now(),
                )
            )
        plan = self._plan(address, request)
        functions = self._transactions(plan, address)
        if not plan.releases:
            claim.status = "nothing_to_claim"
            return self._claim_out(self.repo.save_claim(claim))
        pull_hashes: list[str] = []
        try:
            for function in functions[:-1]:
                receipt = self.chain.send_as_relayer(function)
                pull_hashes.append(receipt["transactionHash"].to_0x_hex())
            receipt = self.chain.send_as_relayer(functions[-1])
        except ContractRevert as exc:
            claim.status = "failed"
            claim.error = str(exc)[:2000]
            self.repo.save_claim(claim)
            raise chain_revert_from(exc) from exc
        claim.status = "sent"
        claim.tx_hash = receipt["transactionHash"].to_0x_hex()
        claim.error = None
        claim.pull_tx_hashes = json.dumps(pull_hashes)
        return self._claim_out(self.repo.save_claim(claim), pull_hashes)

    @staticmethod
    def _claim_out(claim: RelayedClaim, pulls: list[str] | None = None) -> ClaimOut:
        return ClaimOut(
            status=claim.status,
            tx_hash=claim.tx_hash,
            pull_tx_hashes=pulls if pulls is not None else list(json.loads(claim.pull_tx_hashes)),
            idempotency_key=claim.idempotency_key,
        )
