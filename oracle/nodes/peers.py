"""Talking to peer nodes over HTTP, and RemotePeer: a peer as EpochRunner sees a co-signer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
from hexbytes import HexBytes

from chain_client.eip712 import SettlementReport
from oracle.epoch.computation import EpochProposal
from oracle.epoch.errors import EpochError, NodeDisagreement
from oracle.nodes.config import PeerConfig
from oracle.nodes.cut import Cut, proposal_json

log = logging.getLogger("oracle.nodes.peers")


class PeerUnavailable(EpochError):
    """A peer did not answer in time, or answered with an error."""


class PeerRefused(EpochError):
    """A peer answered and refused to sign (its reason is in the message)."""


def report_json(report: SettlementReport) -> dict[str, Any]:
    return {
        "epoch": report.epoch,
        "config_version": report.config_version,
        "root": HexBytes(report.root).to_0x_hex(),
        "data_hash": HexBytes(report.data_hash).to_0x_hex(),
        "debits": [[d.platform_id, d.amount] for d in report.debits],
    }


class PeerClient:
    """One peer's HTTP API, over one connection pool: httpx's module-level get/post build a
    client (and an SSL context) per call, ~20x the CPU of a request on a kept client."""

    def __init__(self, peer: PeerConfig, timeout: float) -> None:
        self.peer = peer
        self.timeout = timeout
        self.http = httpx.Client()

    def _url(self, path: str) -> str:
        return self.peer.url.rstrip("/") + path

    def get(self, path: str, timeout: float | None = None) -> Any:
        try:
            response = self.http.get(self._url(path), timeout=timeout or self.timeout)
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"{self.peer.name} ({self.peer.url}): {exc!r}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PeerUnavailable(
                f"{self.peer.name}: GET {path} answered {response.status_code} {response.text}"
            )
        return response.json()

    def post(self, path: str, body: Any, timeout: float | None = None) -> tuple[int, Any]:
        try:
            response = self.http.post(self._url(path), json=body, timeout=timeout or self.timeout)
        except httpx.HTTPError as exc:
            raise PeerUnavailable(f"{self.peer.name} ({self.peer.url}): {exc!r}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {"error": response.text}
        return response.status_code, payload


class RemotePeer:
    """Duck-types the co-signer interface EpochRunner uses (name, address, sign_proposed,
    catch_up); the cut of the proposal comes from the leader's CutNode."""

    def __init__(
        self,
        peer: PeerConfig,
        timeout: float,
        cut_for: Callable[[EpochProposal], Cut],
        leader: dict[str, str],
    ) -> None:
        self.client = PeerClient(peer, timeout)
        self.name = peer.name
        self.address = peer.address
        self._cut_for = cut_for
        self._leader = leader

    def sign_proposed(self, proposal: EpochProposal, proposed: SettlementReport) -> str:
        body = {
            "proposal": proposal_json(proposal),
            "cut": self._cut_for(proposal).as_json(),
            "report": report_json(proposed),
            "leader": self._leader,
        }
        # Fetching missing reports can take a while on the follower's side.
        status, payload = self.client.post(
            f"/v1/rounds/{proposal.epoch}/sign", body, timeout=self.client.timeout * 2
        )
        if status == 200 and isinstance(payload, dict) and "signature" in payload:
            return str(payload["signature"])
        reason = payload.get("error") if isinstance(payload, dict) else payload
        if status == 409 and isinstance(payload, dict) and payload.get("field"):
            raise NodeDisagreement(
                self.name, str(payload["field"]), payload.get("proposed"), payload.get("computed")
            )
        raise PeerRefused(f"{self.name} refused to sign ({status}): {reason}")

    def catch_up(self) -> None:
        """Nudges the peer to reconcile now; it also does so on its own next tick."""
        try:
            self.client.post("/v1/catch-up", {}, timeout=1.0)
        except PeerUnavailable as exc:
            log.info("could not nudge %s: %s", self.name, exc)
