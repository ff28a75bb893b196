"""Who is calling: the operator, a signed-in wallet, or an onboarded platform."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    WALLET = "wallet"
    PLATFORM = "platform"


@dataclass(frozen=True)
class Principal:
    role: Role
    address: str | None = None
    platform_id: int | None = None

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    def is_wallet(self, address: str) -> bool:
        return (
            self.role is Role.WALLET
            and self.address is not None
            and (self.address.lower() == address.lower())
        )
