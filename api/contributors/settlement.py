"""What an account can claim from settlement, and the one transaction that claims it.

Settlement pays accounts, not tracks: each epoch's root commits to leaves
(account, token, cumulativeAmount), and `UsageSettlement.claim` pays the account its cumulative
amount minus `claimed(account, token)`. So what an account can claim now is, per token,

    claimable = cumulativeAmount (its leaf under the chain's current root) - claimed on chain

and one `claimMany` over its tokens claims all of it. The leaves and proofs are read from the
oracle's store (oracle.settlement.queries: a lookup of stored tree levels).

A split is paid directly only by editions, EIP-2981 royalties, direct transfers, and settlement
when the split itself is an account (its track settles to the split, or it sits past the
flattening depth). That money leaves the split by `SplitFactory.releaseMany`, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from web3 import Web3

from api.chain.gateway import ChainGateway
from api.errors import ChainUnavailable
from chain_client.constants import SCALE
from chain_client.merkle import recipients_proof
from oracle.settlement.queries import (
    AccountLeaf,
    SettledEpoch,
    account_leaf,
    account_leaves,
    settled_epoch,
)
from oracle.settlement.tables import leaf_positions


@dataclass(frozen=True)
class LeafClaim:
    """One leaf of the current root and what the chain already paid against it."""

    account: str
    token: str
    cumulative_amount: int
    claimed: int
    proof: tuple[str, ...]

    @property
    def claimable(self) -> int:
        return max(0, self.cumulative_amount - self.claimed)

    def as_struct(self) -> tuple[Any, ...]:
        """The `IUsageSettlement.Claim` tuple."""
        return (
            self.account,
            self.token,
            self.cumulative_amount,
            [bytes.fromhex(node.removeprefix("0x")) for node in self.proof],
        )


@dataclass(frozen=True)
class SplitRelease:
    """Money of one split the account can release (edition sales, royalties, split accounts).

    `in_split` is releasable now; `after_claim` is what becomes releasable once the split's own
    settlement leaf (if any, `claim`) is claimed into it, computed with the split's rule
    floor(totalReceived x share / 1e6) - released.
    """

    track_id: int
    split: str
    token: str
    share: int
    proof: tuple[bytes, ...]
    in_split: int
    after_claim: int
    claim: LeafClaim | None

    def as_struct(self) -> tuple[Any, ...]:
        return (self.split, self.token, self.share, list(self.proof))


@dataclass
class ClaimPlan:
    epoch: SettledEpoch | None
    leaves: list[LeafClaim]
    releases: list[SplitRelease]

    @property
    def to_claim(self) -> list[LeafClaim]:
        """The leaves one `claimMany` claims: the account's own and its split accounts'."""
        own = [leaf for leaf in self.leaves if leaf.claimable > 0]
        splits = [r.claim for r in self.releases if r.claim is not None and r.claim.claimable]
        unique = {(c.account.lower(), c.token.lower()): c for c in [*own, *splits]}
        return list(unique.values())

    @property
    def to_release(self) -> list[SplitRelease]:
        return [r for r in self.releases if r.after_claim > 0]

    @property
    def per_token(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for leaf in self.leaves:
            if leaf.claimable:
                totals[leaf.token] = totals.get(leaf.token, 0) + leaf.claimable
        for release in self.to_release:
            totals[release.token] = totals.get(release.token, 0) + release.after_claim
        return totals


def current_epoch(conn: Connection, chain: ChainGateway) -> SettledEpoch | None:
    """The stored epoch whose root the chain verifies claims against now (None before any).

    Read from `currentRoot()`, so a root still inside its delay is never offered. The store
    must hold that epoch with the same root: otherwise its proofs would not verify.
    """
    settlement = chain.contract("UsageSettlement")
    root, epoch = chain.call(settlement.functions.currentRoot())
    if int(epoch) == 0:
        return None
    stored = settled_epoch(conn, int(epoch))
    chain_root = "0x" + bytes(root).hex()
    if stored is None or stored.root.lower() != chain_root:
        raise ChainUnavailable(
            f"settlement: the chain's current root is epoch {int(epoch)} ({chain_root}), which "
            "this API's oracle store does not hold; wait for the oracle to catch up",
            {"epoch": int(epoch), "root": chain_root},
        )
    return stored


def _with_claimed(chain: ChainGateway, leaf: AccountLeaf) -> LeafClaim:
    settlement = chain.contract("UsageSettlement")
    claimed = int(chain.call(settlement.functions.claimed(leaf.account, leaf.token)))
    return LeafClaim(leaf.account, leaf.token, leaf.cumulative_amount, claimed, tuple(leaf.proof))


def leaf_claims(
    conn: Connection, chain: ChainGateway, account: str, epoch: SettledEpoch | None
) -> list[LeafClaim]:
    """Every token's leaf of `account` under `epoch`, with `claimed` read on chain."""
    if epoch is None:
        return []
    return [_with_claimed(chain, leaf) for leaf in account_leaves(conn, account, epoch.epoch)]


@dataclass(frozen=True)
class Membership:
    """The account is a direct recipient of `split` (of track `track_id`) with `share`."""

    track_id: int
    split: str
    share: int
    recipients: tuple[str, ...]
    shares: tuple[int, ...]
    tokens: frozenset[str]


def split_releases(
    conn: Connection,
    chain: ChainGateway,
    account: str,
    memberships: list[Membership],
    epoch: SettledEpoch | None,
    only: str | None = None,
) -> list[SplitRelease]:
    """Per (split the account is a recipient of, token): what it can release from the split.

    The tokens are the membership's (editions, platforms) and those of the split's own leaves
    when the split is itself a settlement account; `only` keeps one token."""
    releases: list[SplitRelease] = []
    leaf_tokens = split_leaf_tokens(conn, [m.split for m in memberships], epoch)
    for member in memberships:
        order = sorted(range(len(member.recipients)), key=lambda i: int(member.recipients[i], 16))
        proof = tuple(
            recipients_proof(
                [member.recipients[i] for i in order], [member.shares[i] for i in order], account
            )
        )
        split = chain.contract("TrackSplit", member.split)
        tokens = {t.lower(): t for t in member.tokens}
        tokens.update({t.lower(): t for t in leaf_tokens.get(member.split.lower(), ())})
        if only is not None:
            tokens = {k: v for k, v in tokens.items() if k == only.lower()}
        for token in sorted(tokens.values()):
            in_split = int(
                chain.call(split.functions.releasable(token, account, member.share, list(proof)))
            )
            claim: LeafClaim | None = None
            after = in_split
            leaf = account_leaf(conn, member.split, token, epoch.epoch) if epoch else None
            if leaf is not None:
                claim = _with_claimed(chain, leaf)
                if claim.claimable:
                    received = int(chain.call(split.functions.totalReceived(token)))
                    released = int(chain.call(split.functions.released(token, account)))
                    after = (received + claim.claimable) * member.share // SCALE - released
            if after > 0:
                releases.append(
                    SplitRelease(
                        member.track_id,
                        str(Web3.to_checksum_address(member.split)),
                        token,
                        member.share,
                        proof,
                        in_split,
                        max(after, 0),
                        claim,
                    )
                )
    return releases


def split_leaf_tokens(
    conn: Connection, splits: list[str], epoch: SettledEpoch | None
) -> dict[str, list[str]]:
    """Lower-case split -> tokens of its leaves in `epoch` (splits that are accounts)."""
    found: dict[str, list[str]] = {}
    if epoch is None or not splits:
        return found
    wanted = sorted({s.lower() for s in splits})
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            select(leaf_positions.c.account, leaf_positions.c.token).where(
                leaf_positions.c.epoch <= epoch.epoch,
                leaf_positions.c.account.in_(wanted[start : start + 500]),
            )
        )
        for account, token in rows:
            found.setdefault(str(account), []).append(str(Web3.to_checksum_address(token)))
    return found


def claim_functions(chain: ChainGateway, plan: ClaimPlan, account: str) -> list[Any]:
    """The transactions of a claim, in order: one settlement transaction for every leaf with
    something left (the account's tokens and the split accounts it releases from: `claim` for
    one leaf, `claimMany` for several), then, only when split money is due, one `releaseMany`
    to the account. A claim of settlement money alone is one transaction."""
    functions: list[Any] = []
    leaves = plan.to_claim
    settlement = chain.contract("UsageSettlement")
    if len(leaves) == 1:
        functions.append(settlement.functions.claim(*leaves[0].as_struct()))
    elif leaves:
        functions.append(settlement.functions.claimMany([leaf.as_struct() for leaf in leaves]))
    releases = plan.to_release
    if releases:
        factory = chain.contract("SplitFactory")
        functions.append(factory.functions.releaseMany([r.as_struct() for r in releases], account))
    return functions
