"""Onboards platforms on chain and reports their escrow and what they owe."""

from __future__ import annotations

from sqlmodel import Session
from web3 import Web3
from web3.logs import DISCARD

from api.auth.dependencies import ensure_platform_or_operator
from api.auth.principal import Principal
from api.auth.tokens import PLATFORM_KEY_PREFIX, hash_token, new_token
from api.chain.gateway import ChainGateway
from api.db.types import utc_now
from api.errors import Conflict, NotFound
from api.pagination import Page, PageParams
from api.platforms.catalog_sync import owed_by_platform, publish_platform_to_catalog
from api.platforms.models import PlatformAccount
from api.platforms.repository import PlatformRepository
from api.platforms.schemas import PlatformBalance, PlatformOnboard, PlatformOnboarded, PlatformOut


def platform_out(platform: PlatformAccount) -> PlatformOut:
    bound = int(platform.declared_max_units)
    return PlatformOut(
        platform_id=platform.platform_id,
        name=platform.name,
        payer=platform.payer_address,
        signing_address=platform.signing_address,
        token=platform.token,
        declared_max_units_per_report=bound or None,
        registered_tx=platform.registered_tx,
        created_at=platform.created_at,
    )


class PlatformService:
    def __init__(self, session: Session, chain: ChainGateway) -> None:
        self.session = session
        self.chain = chain
        self.repo = PlatformRepository(session)

    def onboard(self, body: PlatformOnboard) -> PlatformOnboarded:
        if self.repo.by_name(body.name) is not None:
            raise Conflict(f"name: a platform named {body.name!r} is already onboarded")
        settlement = self.chain.contract("UsageSettlement")
        receipt = self.chain.send_as_operator(
            settlement.functions.registerPlatform(body.payer, body.token, list(body.rates))
        )
        event = settlement.events.PlatformRegistered().process_receipt(receipt, errors=DISCARD)[0][
            "args"
        ]
        api_key = new_token(PLATFORM_KEY_PREFIX)
        platform = PlatformAccount(
            platform_id=int(event["platformId"]),
            name=body.name,
            payer_address=body.payer,
            signing_address=body.signing_address,
            token=Web3.to_checksum_address(body.token),
            declared_max_units=str(body.declared_max_units_per_report or 0),
            api_key_hash=hash_token(api_key),
            registered_tx=receipt["transactionHash"].to_0x_hex(),
            created_at=utc_now(),
        )
        self.repo.add(platform)
        publish_platform_to_catalog(self.session, platform, list(body.rates))
        return PlatformOnboarded(platform=platform_out(platform), api_key=api_key)

    def get(self, platform_id: int, principal: Principal) -> PlatformOut:
        ensure_platform_or_operator(principal, platform_id)
        return platform_out(self._platform(platform_id))

    def _platform(self, platform_id: int) -> PlatformAccount:
        platform = self.repo.get(platform_id)
        if platform is None:
            raise NotFound(f"platform_id: no platform {platform_id}")
        return platform

    def list(self, page: PageParams) -> Page[PlatformOut]:
        rows, total = self.repo.page(page.offset, page.limit)
        return Page[PlatformOut](
            items=[platform_out(p) for p in rows], total=total, limit=page.limit, offset=page.offset
        )

    def balance(self, platform_id: int, principal: Principal) -> PlatformBalance:
        ensure_platform_or_operator(principal, platform_id)
        platform = self._platform(platform_id)
        info = self.chain.call(
            self.chain.contract("UsageSettlement").functions.platform(platform_id)
        )
        rates = [int(r) for r in info[2]]
        escrow = int(info[3])
        owed = owed_by_platform(self.session, platform_id, rates)
        return PlatformBalance(
            platform_id=platform_id,
            token=platform.token,
            rates=rates,
            escrow=escrow,
            owed=owed,
            shortfall=max(0, owed - escrow),
        )
