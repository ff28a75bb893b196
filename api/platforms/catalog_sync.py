"""The platform side of the oracle's catalog and store, through the oracle's own functions."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from api.errors import Conflict
from api.platforms.models import PlatformAccount
from oracle.catalog import upsert_platform
from oracle.epoch.amounts import advance_amount
from oracle.epoch.totals import Settled
from oracle.store.counters import latest_intake_seq
from oracle.store.epoch_repository import settled
from oracle.store.usage_repository import payable_totals


def publish_platform_to_catalog(
    session: Session, platform: PlatformAccount, rates: list[int]
) -> None:
    bound = int(platform.declared_max_units)
    upsert_platform(
        session.connection(),
        platform.platform_id,
        signer_address=platform.signing_address,
        token=platform.token,
        rates=rates,
        max_units_per_report=bound or None,
        name=platform.name,
    )
    session.commit()


def owed_by_platform(session: Session, platform_id: int, rates: list[int]) -> int:
    """Accepted usage worth more than what was already debited, at the current rate card."""
    connection = session.connection()
    try:
        totals = payable_totals(connection, latest_intake_seq(connection), platform_id=platform_id)
    except DBAPIError as exc:
        raise Conflict(
            f"platform_id: the stored usage of platform {platform_id} cannot be summed "
            f"({exc.orig}); it is held back from settlement until an operator repairs it"
        ) from exc
    done = settled(connection)
    owed = 0
    for key, units in totals.items():
        if key[1] != platform_id:
            continue
        before = done.get(key, Settled(0, 0))
        owed += (
            advance_amount(before.micro_units, before.amount, units, rates[key[2]]) - before.amount
        )
    return owed
