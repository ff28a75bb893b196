"""Fault tests of independent oracle nodes: real processes on loopback, random timing.

Each scenario runs ROYALTIES_NODE_FAULT_REPEATS times on one three-node cluster: once in
`make test` (which must fit CI's 15 minutes), 10 times in `make soak-nodes`, the check of many
random timings; threshold 2. After each repetition the chain must hold
exactly one RootPosted for the epoch, and every honest node must have settled every validly
signed report pushed so far. The counts are appended to ROYALTIES_NODE_FAULT_RESULTS (JSON)
when that is set.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_nodes_cluster import (
    ROUND_TIMEOUT,
    Cluster,
    NodeProc,
    wait_until,
)
from test_nodes_cluster import cluster as cluster  # noqa: F401 - the cluster fixture
from typer.testing import CliRunner

from oracle.cli.app import app as oracle_app
from oracle.nodes.status import read_nodes

REPEATS = int(os.environ.get("ROYALTIES_NODE_FAULT_REPEATS", "1"))
RESULTS = os.environ.get("ROYALTIES_NODE_FAULT_RESULTS")
SEED = int(os.environ.get("ROYALTIES_NODE_FAULT_SEED", str(int(time.time()))))
# A scenario's repetitions share one test's time budget: `make soak-nodes` (10 repetitions) on a
# loaded 2-core machine ran past the suite's 600 s while each repetition still posted once.
pytestmark = pytest.mark.timeout(max(600, 150 * REPEATS))


def lines(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"track": rng.randint(1, 3), "usage_class": 0, "units": rng.randint(1, 50)},
        {
            "track": 3,
            "usage_class": 4,
            "units": rng.randint(1, 5),
            "attribution": [
                {"track": 1, "weight": 600_000},
                {"track": 2, "weight": 400_000},
            ],
        },
    ]


def check_epoch(cluster: Cluster, epoch: int, honest: list[NodeProc]) -> dict[str, int]:
    """Counts for one repetition: posted once, double posts, lost reports."""
    cluster.wait_caught_up(honest)

    def all_settled() -> bool:
        return all(not cluster.unsettled(node) for node in honest)

    try:  # a report that missed this epoch's cut settles in the next one
        wait_until("every pushed report settled", all_settled, ROUND_TIMEOUT * 8)
    except AssertionError:
        pass
    cluster.wait_caught_up(honest)
    counts = cluster.root_posted_counts()
    lost = max(len(cluster.unsettled(node)) for node in honest)
    expected = cluster.world.expected_micro_units()
    for node in honest:
        assert cluster.settled_micro_units(node) == expected, node.name
    return {
        "posted_exactly_once": int(counts.get(epoch, 0) == 1),
        "double_posts": sum(c - 1 for c in counts.values() if c > 1),
        "lost_reports": lost,
    }


def record(name: str, rep: int, outcome: dict[str, int], note: str = "") -> None:
    if RESULTS:
        path = Path(RESULTS)
        existing = json.loads(path.read_text()) if path.is_file() else []
        existing.append(
            {"scenario": name, "repetition": rep, "seed": SEED, "note": note, **outcome}
        )
        path.write_text(json.dumps(existing, indent=2))
    assert outcome["posted_exactly_once"] == 1, outcome
    assert outcome["double_posts"] == 0, outcome
    assert outcome["lost_reports"] == 0, outcome


def repeat(name: str, scenario: Callable[[random.Random, int], tuple[dict[str, int], str]]) -> None:
    rng = random.Random(f"{SEED}-{name}")
    for rep in range(REPEATS):
        outcome, note = scenario(rng, rep)
        record(name, rep, outcome, note)


def _followers(cluster: Cluster, leader: NodeProc) -> list[NodeProc]:
    return [n for n in cluster.nodes if n is not leader]


LINE = {"track": 1, "usage_class": 0, "units": 7}


def test_three_nodes_post_each_epoch_once_and_agree(cluster: Cluster) -> None:
    start = cluster.last_epoch()
    cluster.submit([LINE, {"track": 2, "usage_class": 0, "units": 3}])
    cluster.wait_posted(start + 1)
    cluster.wait_caught_up()

    counts = cluster.root_posted_counts()
    assert all(count == 1 for count in counts.values()), counts
    statuses = read_nodes(n.url for n in cluster.nodes)
    assert {s["health"] for s in statuses} == {"ok"}
    assert {s["last_confirmed_epoch"] for s in statuses} == {cluster.last_epoch()}
    assert sum(1 for s in statuses if s["last_signed_epoch"] == cluster.last_epoch()) >= 2
    expected = cluster.world.expected_micro_units()
    for node in cluster.nodes:
        assert cluster.unsettled(node) == []
        assert cluster.settled_micro_units(node) == expected
    # Every node published the same data file, byte for byte.
    files = {
        p.read_bytes()
        for node in cluster.nodes
        for p in (node.data_dir / "epochs").rglob(f"epoch-{cluster.last_epoch():08d}.jsonl.zst")
    }
    assert len(files) == 1


def test_status_shows_a_stopped_node_as_down(cluster: Cluster) -> None:
    node = random.choice(cluster.nodes)
    node.kill()
    try:
        statuses = {s["url"]: s for s in read_nodes(n.url for n in cluster.nodes)}
        assert statuses[node.url]["health"] == "down"
        result = CliRunner().invoke(oracle_app, ["nodes", *(n.url for n in cluster.nodes)])
        assert result.exit_code == 1
        listed = _api_nodes(cluster)
        assert {n["url"]: n["health"] for n in listed["nodes"]}[node.url] == "down"
        assert listed["healthy"] == 2
        assert listed["threshold"] == 2
        assert node.url in result.stdout
        assert "DOWN" in result.stdout
    finally:
        cluster.restart(node)
    cluster.wait_caught_up()


def _api_nodes(cluster: Cluster) -> dict[str, Any]:
    """GET /v1/oracle/nodes of a real API app configured with the cluster's node URLs."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    database = cluster.nodes[0].data_dir.parent / "api.db"
    settings = ApiSettings(
        environment="test",
        admin_token="test-admin-token-0123456789",
        database_url=f"sqlite:///{database}",
        data_dir=database.parent / "api-data",
        oracle_node_urls=[n.url for n in cluster.nodes],
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/oracle/nodes")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_follower_killed_mid_round(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        victim = rng.choice(_followers(cluster, cluster.leader_now()))
        cluster.submit(lines(rng))
        delay = rng.uniform(0.0, 1.5)
        time.sleep(delay)
        victim.kill()
        cluster.wait_posted(epoch)
        victim.start()
        cluster.wait_answering(victim)
        return check_epoch(cluster, epoch, cluster.nodes), f"{victim.name} killed at +{delay:.2f}s"

    repeat("follower killed mid-round", scenario)


def test_follower_stopped_mid_round_catches_up(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        victim = rng.choice(_followers(cluster, cluster.leader_now()))
        cluster.submit(lines(rng))
        delay = rng.uniform(0.0, 1.5)
        time.sleep(delay)
        victim.stop_signal(signal.SIGSTOP)
        try:
            cluster.wait_posted(epoch)
        finally:
            victim.stop_signal(signal.SIGCONT)
        return check_epoch(cluster, epoch, cluster.nodes), f"{victim.name} stopped at +{delay:.2f}s"

    repeat("follower SIGSTOPped mid-round", scenario)


def _leader_crash(cluster: Cluster, point: str) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        leader = cluster.leader_now(margin=2.5)
        assert leader.post("/v1/test/crash-at", {"point": point}).status_code == 200
        delay = rng.uniform(0.0, 1.0)
        time.sleep(delay)
        # Only the leader is handed the report: no other node can post it before its round.
        cluster.submit(lines(rng), to=[leader])
        wait_until(
            f"{leader.name} crashed at {point} or epoch {epoch} posted",
            lambda: not leader.alive() or cluster.last_epoch() >= epoch,
            ROUND_TIMEOUT * 6,
        )
        cluster.wait_posted(epoch)
        assert leader.process is not None
        try:  # after_send: the post can be seen a moment before the process has exited
            leader.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        crashed = not leader.alive()
        if crashed:
            leader.start()
            cluster.wait_answering(leader)
        else:
            leader.post("/v1/test/crash-at", {"point": ""})
        note = f"{leader.name} {'crashed' if crashed else 'did not lead'} at {point}"
        return check_epoch(cluster, epoch, cluster.nodes), note

    repeat(f"leader killed {point}", scenario)


def test_leader_killed_after_collecting_signatures(cluster: Cluster) -> None:
    _leader_crash(cluster, "after_sign")


def test_leader_killed_after_sending(cluster: Cluster) -> None:
    _leader_crash(cluster, "after_send")


def test_tampered_store_does_not_count_and_is_reported(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        bad = rng.choice(cluster.nodes)
        # The engine adds new usage to this store's settled totals: inflate those.
        bad.sql("UPDATE oracle_settled_totals SET micro_units = micro_units * 10")
        try:
            cluster.submit(lines(rng))
            cluster.wait_posted(epoch, timeout=120)
            signers: set[str] = set()
            for node in cluster.nodes:
                signers |= {
                    str(s)
                    for (s,) in node.sql(
                        "SELECT signer FROM oracle_epoch_signatures WHERE epoch = :e", e=epoch
                    )
                }
            assert bad.address not in signers
            assert len(signers) >= 2
            honest = [n for n in cluster.nodes if n is not bad]
            outcome = check_epoch(cluster, epoch, honest)
            wait_until(
                f"{bad.name} reports its disagreement",
                lambda: bool(bad.status()["disagreements"]),
            )
        finally:
            bad.sql("UPDATE oracle_settled_totals SET micro_units = micro_units / 10")
        cluster.wait_caught_up()
        return outcome, f"{bad.name} tampered"

    repeat("tampered node store", scenario)


def test_follower_lacking_a_report_fetches_and_verifies_it(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        leader = cluster.leader_now(margin=2.5)
        raw_hash = cluster.submit(lines(rng), to=[leader])
        cluster.wait_posted(epoch, timeout=120)
        outcome = check_epoch(cluster, epoch, cluster.nodes)
        for node in cluster.nodes:
            held = node.sql("SELECT status FROM oracle_reports WHERE raw_hash = :h", h=raw_hash)
            assert [str(s) for (s,) in held] == ["accepted"], node.name
        return outcome, f"only {leader.name} was handed the report"

    repeat("follower lacking a report", scenario)


def test_forged_platform_signature_is_refused_by_every_node(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        # Handed to every node: each one's intake refuses it.
        path, _forger = cluster.forged_report(lines(rng))
        forged_hash, codes = cluster.push_report(path, 1)
        assert codes == [422, 422, 422]
        # A leader whose catalog was tampered accepts one; no follower counts it.
        leader = cluster.leader_now(margin=3.0)
        path, forger = cluster.forged_report(lines(rng))
        leader.sql(
            "UPDATE oracle_platforms SET signer_address = :f WHERE platform_id = 1",
            f=forger.lower(),
        )
        honest_signer = leader.sql(
            "SELECT signer_address FROM oracle_platforms WHERE platform_id = 2"
        )
        assert honest_signer
        payer = cluster.world.accounts[6].address.lower()
        try:
            sneaked, codes = cluster.push_report(path, 1, to=[leader])
        finally:
            leader.sql(
                "UPDATE oracle_platforms SET signer_address = :p WHERE platform_id = 1", p=payer
            )
        assert codes == [200]
        cluster.submit(lines(rng))
        try:
            cluster.wait_posted(epoch, timeout=120)
            followers = _followers(cluster, leader)
            outcome = check_epoch(cluster, epoch, followers)
            for node in followers:
                rows = node.sql("SELECT status FROM oracle_reports WHERE raw_hash = :h", h=sneaked)
                assert [str(s) for (s,) in rows] in ([], ["rejected"]), node.name
                settled = node.sql(
                    "SELECT count(*) FROM oracle_reports WHERE raw_hash IN (:a, :b) "
                    "AND settled_epoch IS NOT NULL",
                    a=sneaked,
                    b=forged_hash,
                )
                assert settled[0][0] == 0
        finally:
            # Heal the leader's store: the sneaked version was never validly accepted.
            leader.sql(
                "UPDATE oracle_reports SET status = 'rejected', intake_seq = NULL "
                "WHERE raw_hash = :h",
                h=sneaked,
            )
        cluster.wait_caught_up()
        return outcome, f"{leader.name} held a forged report"

    repeat("forged platform signature", scenario)


def test_two_nodes_down_nothing_posts_then_one_returns(cluster: Cluster) -> None:
    def scenario(rng: random.Random, _rep: int) -> tuple[dict[str, int], str]:
        cluster.wait_caught_up()
        epoch = cluster.last_epoch() + 1
        alive = rng.choice(cluster.nodes)
        down = [n for n in cluster.nodes if n is not alive]
        for node in down:
            node.kill()
        cluster.submit(lines(rng))
        wait = ROUND_TIMEOUT * rng.uniform(1.0, 2.0)
        time.sleep(wait)
        assert cluster.last_epoch() == epoch - 1  # one signature cannot post
        first = rng.choice(down)
        first.start()
        cluster.wait_answering(first)
        cluster.wait_posted(epoch, timeout=120)
        outcome = check_epoch(cluster, epoch, [alive, first])
        second = next(n for n in down if n is not first)
        second.start()
        cluster.wait_answering(second)
        cluster.wait_caught_up()
        return outcome, f"only {alive.name} up for {wait:.1f}s, then {first.name}"

    repeat("two nodes down, one returns", scenario)


@pytest.fixture(autouse=True)
def _all_nodes_running(cluster: Cluster) -> None:  # noqa: F811 - the imported fixture
    for node in cluster.nodes:
        if not node.alive():
            node.start()
            cluster.wait_answering(node)
