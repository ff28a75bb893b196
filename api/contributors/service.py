"""Contributor dashboard, claimable amounts and claims (relayed or as calldata)."""

from __future__ import annotations

import json
from datetime import timedelta

from eth_utils.crypto import keccak
from sqlmodel import Session

from api.auth.dependencies import ensure_self_or_operator
from api.auth.principal import Principal
from api.chain.gateway import ChainGateway
from api.concurrency.flights import KeyedLocks, run_idempotent
from api.contributors.dashboard import build_dashboard
from api.contributors.dashboard_cache import DashboardCache, DataVersion
from api.contributors.models import RelayedClaim
from api.contributors.repository import ContributorRepository
from api.contributors.schemas import (
    Claimable,
    ClaimableToken,
    ClaimCalldata,
    ClaimOut,
    ClaimRequest,
    ContributorDashboard,
    SettlementProof,
    SplitClaimable,
)
from api.contributors.settlement import (
    ClaimPlan,
    Membership,
    SplitRelease,
    claim_functions,
    current_epoch,
    leaf_claims,
    split_releases,
)
from api.db.types import utc_now
from api.editions.repository import EditionRepository
from api.error_handlers import chain_revert_from
from api.errors import Conflict, NotFound, RateLimited
from api.tracks.models import Track, TrackContributor
from api.tracks.repository import TrackRepository
from api.tracks.schemas import PreparedTransaction
from chain_client.errors import ContractRevert
from oracle.settlement.queries import account_leaf, settled_epoch

STALE_CLAIM_REASON = (
    "the API stopped before this claim finished (it may have sent its transaction); send the "
    "claim again: it pays only what is still claimable on chain"
)


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

    def _memberships(self, address: str) -> list[Membership]:
        """The splits the address is a direct recipient of, with the tokens they may hold."""
        memberships = self.tracks.tracks_of_contributor(address)
        recipients = self.tracks.contributors_of([t.track_id for t, _ in memberships])
        tokens = self._tokens_of_tracks(memberships)
        return [
            Membership(
                track_id=track.track_id,
                split=track.split_address,
                share=member.share,
                recipients=tuple(c.address for c in recipients[track.track_id]),
                shares=tuple(c.share for c in recipients[track.track_id]),
                tokens=frozenset(tokens[track.track_id]),
            )
            for track, member in memberships
        ]

    def _plan(self, address: str, request: ClaimRequest | None) -> ClaimPlan:
        conn = self.session.connection()
        epoch = current_epoch(conn, self.chain)
        token = request.token.lower() if request is not None and request.token else None
        leaves = [
            leaf
            for leaf in leaf_claims(conn, self.chain, address, epoch)
            if token is None or leaf.token.lower() == token
        ]
        releases: list[SplitRelease] = []
        if request is None or request.include_splits:
            releases = split_releases(
                conn, self.chain, address, self._memberships(address), epoch, only=token
            )
        return ClaimPlan(epoch=epoch, leaves=leaves, releases=releases)

    def _tokens_of_tracks(
        self, memberships: list[tuple[Track, TrackContributor]]
    ) -> dict[int, set[str]]:
        """Tokens a track's split may hold: its editions' and, for a split that is itself a
        settlement account, its platforms' (a leaf of the split is looked up per token)."""
        platform_tokens = self.repo.platform_tokens()
        tokens: dict[int, set[str]] = {t.track_id: set() for t, _ in memberships}
        for row in self.repo.settled_rows(list(tokens)):
            if row.platform_id in platform_tokens:
                tokens[row.track_id].add(platform_tokens[row.platform_id])
        for edition in EditionRepository(self.session).of_tracks(list(tokens)):
            tokens[edition.track_id].add(edition.token)
        return tokens

    def proof(self, account: str, token: str, epoch: int | None) -> SettlementProof:
        """The stored leaf and proof of (account, token): in `epoch`, or by default in the epoch
        of the chain's current root (the one `claim` verifies against)."""
        conn = self.session.connection()
        if epoch is None:
            current = current_epoch(conn, self.chain)
            if current is None:
                raise NotFound("settlement: no root is current on chain yet")
            epoch = current.epoch
        header = settled_epoch(conn, epoch)
        leaf = account_leaf(conn, account, token, epoch) if header is not None else None
        if header is None or leaf is None:
            raise NotFound(
                f"account: no leaf of {account} for token {token} in epoch {epoch}",
                {"epoch": epoch},
            )
        return SettlementProof(
            epoch=leaf.epoch,
            root=header.root,
            account=leaf.account,
            token=leaf.token,
            cumulativeAmount=leaf.cumulative_amount,
            proof=list(leaf.proof),
        )

    def claimable(self, address: str, principal: Principal) -> Claimable:
        ensure_self_or_operator(principal, address)
        plan = self._plan(address, None)
        return Claimable(
            address=address,
            epoch=plan.epoch.epoch if plan.epoch else 0,
            root=plan.epoch.root if plan.epoch else None,
            per_token=plan.per_token,
            settlement=[
                ClaimableToken(
                    token=leaf.token,
                    cumulative_amount=leaf.cumulative_amount,
                    claimed=leaf.claimed,
                    claimable=leaf.claimable,
                )
                for leaf in plan.leaves
            ],
            splits=[
                SplitClaimable(
                    track_id=r.track_id,
                    split_address=r.split,
                    token=r.token,
                    in_split=r.in_split,
                    split_leaf_unclaimed=r.claim.claimable if r.claim else 0,
                    total=r.after_claim,
                )
                for r in plan.releases
            ],
        )

    def calldata(self, address: str, request: ClaimRequest, principal: Principal) -> ClaimCalldata:
        ensure_self_or_operator(principal, address)
        plan = self._plan(address, request)
        return ClaimCalldata(
            transactions=[
                PreparedTransaction(**self.chain.prepared(f))
                for f in claim_functions(self.chain, plan, address)
            ]
        )

    def relay(
        self,
        address: str,
        request: ClaimRequest,
        key: str,
        principal: Principal,
        flights: KeyedLocks | None = None,
    ) -> ClaimOut:
        """Relays the claim once per Idempotency-Key, one claim at a time per account.

        Single flight per account (all its tokens) in this process; the (address, key) unique row
        catches a twin in another process. A replay of a finished key answers the first result
        and sends nothing; a plan with nothing to claim sends no transaction; any failure marks
        the row failed (never left pending), so the same key can be retried.
        """
        ensure_self_or_operator(principal, address)
        request_hash = (
            "0x"
            + keccak(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hex()
        )

        def replay() -> ClaimOut | None:
            claim = self.repo.claim_by_key(address, key)
            if claim is None:
                return None
            if claim.request_hash != request_hash:
                raise Conflict("Idempotency-Key: already used for a different claim request")
            if claim.status in ("pending", "failed"):
                return None  # resumed under the flight lock: claims never pay twice
            return self._claim_out(claim)

        def start() -> RelayedClaim:
            claim = self.repo.claim_by_key(address, key)
            if claim is not None:
                return claim
            settings = self.chain.settings
            now = utc_now()
            # A claim pending past the timeout lost its request (the process stopped): it fails
            # with the reason, so no row stays pending and it no longer counts for the quota.
            self.repo.fail_stale_claims(
                address,
                now - timedelta(seconds=settings.claim_pending_timeout_seconds),
                STALE_CLAIM_REASON,
            )
            since = now - timedelta(seconds=settings.claim_rate_window_seconds)
            if self.repo.claims_since(address, since) >= settings.claim_rate_limit:
                raise RateLimited(
                    f"address: at most {settings.claim_rate_limit} relayed claims per "
                    f"{settings.claim_rate_window_seconds} s; send the calldata yourself meanwhile",
                    {"retry_after_seconds": settings.claim_rate_window_seconds},
                )
            return self.repo.save_claim(
                RelayedClaim(
                    address=address,
                    idempotency_key=key,
                    request_hash=request_hash,
                    status="pending",
                    created_at=utc_now(),
                )
            )

        def perform(claim: RelayedClaim) -> ClaimOut:
            plan = self._plan(address, request)
            functions = claim_functions(self.chain, plan, address)
            if not functions:
                claim.status = "nothing_to_claim"
                return self._claim_out(self.repo.save_claim(claim))
            hashes: list[str] = []
            try:
                for function in functions:
                    receipt = self.chain.send_as_relayer(function)
                    hashes.append(receipt["transactionHash"].to_0x_hex())
            except ContractRevert as exc:
                claim.pull_tx_hashes = json.dumps(hashes)
                raise chain_revert_from(exc) from exc
            claim.status = "sent"
            claim.tx_hash = hashes[0]
            claim.error = None
            claim.pull_tx_hashes = json.dumps(hashes)
            return self._claim_out(self.repo.save_claim(claim))

        def fail(claim: RelayedClaim, exc: BaseException) -> None:
            self.session.rollback()
            claim.status = "failed"
            claim.error = str(exc)[:2000]
            self.repo.save_claim(claim)

        outcome = run_idempotent(
            flights or KeyedLocks(),
            [("claim", address.lower())],
            replay=replay,
            start=start,
            perform=perform,
            fail=fail,
        )
        return outcome.value

    @staticmethod
    def _claim_out(claim: RelayedClaim) -> ClaimOut:
        return ClaimOut(
            status=claim.status,
            tx_hash=claim.tx_hash,
            tx_hashes=list(json.loads(claim.pull_tx_hashes)),
            idempotency_key=claim.idempotency_key,
        )
