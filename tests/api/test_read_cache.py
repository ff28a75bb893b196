"""The read cache in front of the app (api.read_cache): repeats served from memory, never stale,
never to a caller the route would refuse. A real SQLite file with committed data, a real anvil
for the chain head."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_TOKEN, make_settings
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlmodel import Session

from api.app import create_app, migrate_all
from api.auth.models import WalletSession
from api.auth.principal_cache import PrincipalCache
from api.auth.tokens import hash_token
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.models import ChainEvent
from api.read_cache import ChainHead, ReadCacheStats, SqliteDataVersion
from api.tracks.models import Track, TrackContributor

WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_WALLET = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
SPLIT = "0x00000000000000000000000000000000000186a1"
TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
WALLET_TOKEN = "rs_read-cache-wallet"
OTHER_TOKEN = "rs_read-cache-other"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            Track(
                track_id=1,
                split_address=SPLIT,
                controller=WALLET,
                title="Cached",
                ai_disclosure="ai_assisted",
                model_name="m",
                content_hash="0x" + "ab" * 32,
                metadata_hash="0x" + "cd" * 32,
                tier=6,
                ai_consent_mask=48,
                registered_tx="0x" + "00" * 32,
                created_at=now,
            )
        )
        session.add(TrackContributor(track_id=1, address=WALLET, share=1_000_000, role="artist"))
        for token, address in ((WALLET_TOKEN, WALLET), (OTHER_TOKEN, OTHER_WALLET)):
            session.add(
                WalletSession(
                    token_hash=hash_token(token),
                    address=address,
                    created_at=now,
                    expires_at=now + timedelta(days=1),
                )
            )
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def client(tmp_path: Path, engine: Engine) -> Iterator[TestClient]:
    settings = make_settings(tmp_path)
    app = create_app(settings, engine=engine, chain=ChainGateway(settings), run_migrations=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _stats(client: TestClient) -> ReadCacheStats:
    stats: ReadCacheStats = client.app.state.read_cache  # type: ignore[attr-defined]
    return stats


def _dashboard(client: TestClient, token: str, address: str = WALLET) -> Any:
    return client.get(
        f"/v1/contributors/{address}/dashboard", headers={"Authorization": f"Bearer {token}"}
    )


def _release(engine: Engine, amount: int, block: int) -> None:
    """An indexed release committed by another connection, as the indexer process would."""
    with Session(engine) as session:
        session.add(
            ChainEvent(
                block_number=block,
                block_hash="0x" + "11" * 32,
                log_index=0,
                tx_hash="0x" + f"{block:064x}",
                contract="TrackSplit",
                address=SPLIT,
                event="Released",
                args={"token": TOKEN, "amount": amount, "account": WALLET},
                account=WALLET,
                split=SPLIT,
            )
        )
        session.commit()


def test_a_repeat_is_served_from_memory_and_a_commit_refreshes_it(
    client: TestClient, engine: Engine
) -> None:
    first = _dashboard(client, WALLET_TOKEN)
    assert first.status_code == 200
    assert first.json()["tracks"][0]["earnings"] == []
    again = _dashboard(client, WALLET_TOKEN)
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert (_stats(client).misses, _stats(client).hits) == (1, 1)

    _release(engine, 5, block=1)
    fresh = _dashboard(client, WALLET_TOKEN).json()
    (earning,) = fresh["tracks"][0]["earnings"]
    assert earning["released_to_you"] == "5"
    assert _stats(client).misses == 2

    _release(engine, 7, block=2)
    assert (
        _dashboard(client, WALLET_TOKEN).json()["tracks"][0]["earnings"][0]["released_to_you"]
        == "12"
    )


def test_a_stored_body_reaches_only_callers_the_route_accepts(client: TestClient) -> None:
    assert _dashboard(client, WALLET_TOKEN).status_code == 200
    assert _dashboard(client, WALLET_TOKEN).status_code == 200  # now stored
    assert _dashboard(client, OTHER_TOKEN).status_code == 403
    assert _dashboard(client, OTHER_TOKEN).status_code == 403  # principal now cached: still 403
    assert client.get(f"/v1/contributors/{WALLET}/dashboard").status_code == 401
    assert _dashboard(client, "rs_no-such-session").status_code == 401
    assert _stats(client).hits == 1  # the second wallet read; refusals never hit
    for _ in range(2):
        assert _dashboard(client, ADMIN_TOKEN).status_code == 200  # the operator reads anyone
    # Both operator reads are served from memory: a token not cached yet is resolved in front
    # of the app, which no longer rebuilds the body for it.
    assert _stats(client).hits == 3


def test_errors_are_not_stored(client: TestClient) -> None:
    bad = "0x" + "zz" * 20
    for _ in range(2):
        assert _dashboard(client, ADMIN_TOKEN, bad).status_code == 422
    assert _stats(client).hits == 0


def test_the_data_version_moves_with_commits_from_other_connections(engine: Engine) -> None:
    probe = SqliteDataVersion.for_engine(engine)
    assert probe is not None
    before = probe.current()
    assert probe.current() == before
    _release(engine, 1, block=3)
    assert probe.current() != before
    probe.close()
    assert SqliteDataVersion.for_engine(create_engine("sqlite://")) is None


def test_the_chain_head_is_read_after_the_caller_asked(dev_chain: Any, w3: Any) -> None:
    head = ChainHead(dev_chain.rpc_url)
    queries = 0
    real_query = head._query

    async def counted() -> int:
        nonlocal queries
        queries += 1
        return await real_query()

    head._query = counted  # type: ignore[method-assign]

    async def scenario() -> None:
        first = await head.latest()
        assert first == w3.eth.block_number
        many = await asyncio.gather(*(head.latest() for _ in range(50)))
        assert set(many) == {first}
        assert queries <= 3  # one for `first`, at most two for the fifty concurrent callers
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction(
                {"from": w3.eth.accounts[0], "to": w3.eth.accounts[1], "value": 1}
            )
        )
        assert await head.latest() == w3.eth.block_number == first + 1

    asyncio.run(scenario())


def test_a_burst_of_cold_reads_builds_the_body_once(tmp_path: Path, engine: Engine) -> None:
    import httpx

    settings = make_settings(tmp_path)
    app = create_app(settings, engine=engine, chain=ChainGateway(settings), run_migrations=False)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {"Authorization": f"Bearer {WALLET_TOKEN}"}
            url = f"/v1/contributors/{WALLET}/dashboard"
            return list(
                await asyncio.gather(*(client.get(url, headers=headers) for _ in range(20)))
            )

    responses = asyncio.run(burst())
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    stats: ReadCacheStats = app.state.read_cache
    assert (stats.misses, stats.hits) == (1, 19)


def test_a_principal_missing_from_its_cache_is_resolved_in_front_of_the_app(
    client: TestClient, engine: Engine
) -> None:
    """Its entries expire every few seconds: a read after that is still served from memory (the
    app rebuilt the body each time before), and a session gone meanwhile is refused."""
    from sqlalchemy import delete

    principals: PrincipalCache = client.app.state.principal_cache  # type: ignore[attr-defined]
    first = _dashboard(client, WALLET_TOKEN)
    assert first.status_code == 200
    principals.evict(hash_token(WALLET_TOKEN))
    again = _dashboard(client, WALLET_TOKEN)
    assert again.content == first.content
    assert (_stats(client).misses, _stats(client).hits) == (1, 1)
    assert principals.get(hash_token(WALLET_TOKEN)) is not None  # cached for the app too

    with Session(engine) as session:
        session.execute(delete(WalletSession).where(WalletSession.address == WALLET))  # type: ignore[arg-type]
        session.commit()
    principals.evict(hash_token(WALLET_TOKEN))
    refused = _dashboard(client, WALLET_TOKEN)
    assert refused.status_code == 401
    assert "sign in again" in refused.json()["message"]


ADDRESS = r"(?P<address>0x[0-9a-fA-F]{40})"


def test_a_chain_keyed_body_is_kept_at_a_new_block_only_while_its_calls_answer_the_same(
    tmp_path: Path, gateway: ChainGateway, w3: Any, deployment: Any
) -> None:
    """An empty block: the stored body is revalidated by one batched eth_call, the app is not
    called. A transaction that changes what the route read: the next read shows it. A route that
    read the chain through web3 (not replayable) is rebuilt at every new head."""
    import re

    import httpx
    from fastapi import FastAPI, Response

    from api.read_cache import CachedRoute, ReadCacheMiddleware, public

    stablecoin = gateway.contract("ERC20", deployment.mock_stablecoin)
    holder = w3.eth.accounts[7]
    builds: list[str] = []
    inner = FastAPI()

    @inner.get("/erc20/{address}")
    def erc20(address: str) -> Response:
        builds.append("erc20")
        return Response(str(gateway.call(stablecoin.functions.balanceOf(address))))

    @inner.get("/native/{address}")
    def native(address: str) -> Response:
        builds.append("native")
        return Response(str(gateway.w3.eth.get_balance(address)))

    inner.state.engine = make_engine(f"sqlite:///{tmp_path / 'chain-keyed.db'}")
    inner.state.chain = gateway
    inner.state.principal_cache = PrincipalCache()
    stats = ReadCacheStats()
    routes = [
        CachedRoute("erc20", re.compile(rf"/erc20/{ADDRESS}"), public, chain=True),
        CachedRoute("native", re.compile(rf"/native/{ADDRESS}"), public, chain=True),
    ]
    inner.add_middleware(ReadCacheMiddleware, routes=routes, stats=stats)

    def mine() -> None:
        w3.provider.make_request("evm_mine", [])

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=inner)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            before = int((await client.get(f"/erc20/{holder}")).text)
            assert int((await client.get(f"/erc20/{holder}")).text) == before
            assert (builds, stats.hits) == (["erc20"], 1)
            mine()
            assert int((await client.get(f"/erc20/{holder}")).text) == before
            assert (builds, stats.revalidated) == (["erc20"], 1)  # one batch, no rebuild

            mint = stablecoin.functions.mint(holder, 5).build_transaction(
                {"from": w3.eth.accounts[0]}
            )
            w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(mint))
            assert int((await client.get(f"/erc20/{holder}")).text) == before + 5
            assert (builds, stats.revalidated) == (["erc20", "erc20"], 1)

            native_before = (await client.get(f"/native/{holder}")).text
            mine()
            assert (await client.get(f"/native/{holder}")).text == native_before
            assert builds[2:] == ["native", "native"]  # web3 reads: rebuilt, never revalidated
            assert stats.revalidated == 1

    asyncio.run(scenario())
    inner.state.engine.dispose()


def test_the_gateway_calls_answer_as_web3_does(gateway: ChainGateway, w3: Any) -> None:
    """The keep-alive JSON-RPC path: the same values as `ContractFunction.call()` (single and
    batched), and the same exceptions for a revert and for an address web3 refuses."""
    from chain_client.errors import ContractRevert

    settlement = gateway.contract("UsageSettlement")
    account = w3.eth.accounts[7]
    functions = [
        settlement.functions.currentRoot(),
        settlement.functions.claimed(account, TOKEN),
        gateway.contract("ERC20", gateway.deployment.mock_stablecoin).functions.balanceOf(account),
    ]
    expected = [f.call() for f in functions]
    assert [gateway.call(f) for f in functions] == expected
    assert gateway.call_many(functions) == expected
    assert gateway.call_many(functions, w3.eth.block_number) == expected

    reverting = settlement.functions.claim(account, TOKEN, 1, [])
    with pytest.raises(ContractRevert) as through_web3:
        gateway._web3_call(reverting, "latest")
    with pytest.raises(ContractRevert) as fast:
        gateway.call(reverting)
    assert (fast.value.error_name, fast.value.args) == (
        through_web3.value.error_name,
        through_web3.value.args,
    )
    for unchecked in (account.lower(), "0x70997970c51812dc3A010C7d01b50e0d17dc79C8"):
        with pytest.raises(Exception) as refused_by_web3:  # noqa: PT011 - whatever web3 raises
            settlement.functions.claimed(unchecked, TOKEN).call()
        with pytest.raises(type(refused_by_web3.value)):
            gateway.call(settlement.functions.claimed(unchecked, TOKEN))
