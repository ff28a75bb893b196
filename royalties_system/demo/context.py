"""What the demo's steps share: the API client, wallets, deployment and what was created."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from siwe import SiweMessage

from chain_client.contracts import ERC20Client
from chain_client.deploy import Deployment
from royalties_system.demo.http import ApiClient
from royalties_system.demo.wallets import Wallets


@dataclass
class Demo:
    api: ApiClient
    wallets: Wallets
    deployment: Deployment
    tag: str  # makes this run's report ids, ISRCs and content hashes unique
    echo: Callable[[str], None]
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    platforms: dict[str, tuple[int, str]] = field(default_factory=dict)  # role -> (id, api key)
    sessions: dict[int, str] = field(default_factory=dict)
    start_block: int = 0

    @property
    def token(self) -> str:
        return str(self.deployment.mock_stablecoin)

    @property
    def chain_id(self) -> int:
        return self.deployment.chain_id

    def musd(self, index: int | None = None) -> ERC20Client:
        sender = self.wallets.sender(index) if index is not None else None
        return ERC20Client(self.wallets.w3, self.token, sender)

    def step(self, title: str) -> None:
        self.echo(f"\n== {title}")

    def line(self, text: str) -> None:
        self.echo(f"   {text}")

    def sign_in(self, index: int) -> str:
        """SIWE (EIP-4361) sign-in of a development wallet; the session token is cached."""
        if index in self.sessions:
            return self.sessions[index]
        nonce = self.api.post("/v1/auth/nonce")
        now = time.gmtime()
        message = SiweMessage(
            domain=nonce["domain"],
            address=self.wallets.address(index),
            statement="Sign in to AI Music Royalties.",
            uri=nonce["uri"],
            version="1",
            chain_id=nonce["chain_id"],
            nonce=nonce["nonce"],
            issued_at=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", now),
            expiration_time=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 300)),
        ).prepare_message()
        signature = sign_text(self.wallets.key(index), message)
        session = self.api.post("/v1/auth/siwe", json={"message": message, "signature": signature})
        self.sessions[index] = str(session["token"])
        return self.sessions[index]


def sign_text(key: str, text: str) -> str:
    from eth_account.messages import encode_defunct

    signed = Account.sign_message(encode_defunct(text=text), private_key=key)
    return "0x" + bytes(signed.signature).hex()
