"""The leader's round: the existing EpochRunner (built -> signed -> tx_signed -> sent ->
confirmed) with remote peers as co-signers.

Leader of epoch E at time t: signers[(E + slot) % n], slot = floor((t - opened) / timeout), where
`opened` is epoch_interval after the block that posted E - 1 (signers as the contract lists
them). A leader that has not posted within its slot is replaced by the next signer; the
contract accepts exactly epoch lastEpoch + 1, so however many nodes try, each epoch is posted
once: a late leader's post reverts, it sees the epoch posted and catches up from the cut that
was posted.
"""

from __future__ import annotations

import logging
import os
import time
from typing import cast

from eth_account import Account

from chain_client.sender import TransactionSender
from oracle.epoch.crash import crash_hook_from_env
from oracle.epoch.errors import EpochError
from oracle.epoch.node import OracleNode
from oracle.epoch.poster import Poster
from oracle.epoch.runner import EpochOutcome, EpochRunner
from oracle.nodes.peers import RemotePeer
from oracle.nodes.rounds import NodeCore
from oracle.store import epoch_repository as repo

log = logging.getLogger("oracle.nodes.leader")


class Leader:
    def __init__(self, core: NodeCore, url: str) -> None:
        self.core = core
        settings = core.settings
        key = settings.poster_key or settings.key
        assert key is not None, "an observer never leads"
        self.sender = TransactionSender(
            core.view.w3, Account.from_key(key), confirmations=settings.confirmations
        )
        self._env_crash = crash_hook_from_env(os.environ)
        self.armed_crash: str | None = None
        """Fault tests (ROYALTIES_NODE_TEST_HOOKS=1): exit at this EpochRunner step once."""
        self.identity = {"name": settings.name, "address": core.node.address, "url": url}
        self._runner: EpochRunner | None = None
        self._signers: tuple[str, ...] = ()

    def crash(self, point: str) -> None:
        self._env_crash(point)
        if self.armed_crash == point:
            log.warning("test hook: exiting at %s", point)
            os._exit(137)

    def runner(self, signers: list[str]) -> EpochRunner:
        if self._runner is None or tuple(signers) != self._signers:
            core = self.core
            peers = [
                RemotePeer(p, core.settings.http_timeout_seconds, core.node.cut_for, self.identity)
                for p in core.ordered_peers(signers)
            ]
            poster = Poster(core.engine, core.view, self.sender, self.crash)
            # RemotePeer has the co-signer surface EpochRunner uses (name, address,
            # sign_proposed, catch_up); EpochRunner types its peers as OracleNode.
            cosigners = cast("list[OracleNode]", peers)
            self._runner = EpochRunner(
                core.node, cosigners, poster, core.settings.data_dir, self.crash
            )
            self._signers = tuple(signers)
        return self._runner

    def is_leader(self, epoch: int, signers: list[str]) -> bool:
        return self.core.leader_at(epoch, signers, time.time()) == self.core.node.address

    def run_round(self, epoch: int, signers: list[str]) -> EpochOutcome:
        core = self.core
        runner = self.runner(signers)
        with core.lock:
            with core.engine.connect() as conn:
                unfinished = repo.unfinished_epoch(conn)
                own_signatures = repo.signatures_of(conn, epoch) if unfinished else {}
            if (
                unfinished is not None
                and unfinished.epoch == epoch
                and unfinished.status == "signed"
                and not own_signatures
            ):
                # A row this node stored as a follower: as leader it builds its own proposal.
                runner.abandon_unsent("this node takes the round as leader")
            elif unfinished is not None and not core.ensure_tables(
                unfinished.epoch, unfinished.root, unfinished.data_hash
            ):
                raise EpochError(
                    f"epoch {unfinished.epoch}: cannot restore the computation of this node's "
                    f"own row (root {unfinished.root})"
                )
            outcome = runner.run_once()
        # "skipped: nothing new" comes every tick between epochs: not worth a line each.
        level = logging.DEBUG if outcome.status == "skipped" else logging.INFO
        log.log(level, "epoch %s %s %s", outcome.epoch, outcome.status, outcome.message)
        for refusal in outcome.refusals:
            core.health.note_disagreement(f"epoch {outcome.epoch}: {refusal}")
        return outcome
