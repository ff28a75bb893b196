"""Gas benchmark: every figure is gasUsed from a receipt, measured in one run on a fresh anvil.

`measure_gas()` returns {"gas.<what>": gas}; `python -m bench.gas` prints a table.
Steady-state figures are used where a one-off first write would distort them (the second
settlement post); first-time costs are kept beside them as extra keys.

Settlement claims are proven against a real 65,536-leaf account tree (every proof has 16
siblings). `gas.claim_from_1000_tracks` claims a leaf whose cumulative amount is the flattened
sum over 1,000 tracks (synthetic off-chain track amounts, each floor(A * share / 1e6)), and
`gas.claim_from_1_track` one from a single track: the leaf has the same shape either way, so the
gas differs only by calldata bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import TxReceipt

from chain_client.compiler import compile_contracts, compile_oz_payment_splitter
from chain_client.constants import NATIVE_TOKEN, SCALE
from chain_client.contracts import (
    ERC20Client,
    ReleaseRequest,
    SplitFactoryClient,
    TrackEditionsClient,
    TrackRegistryClient,
    TrackSplitClient,
    UsageSettlementClient,
)
from chain_client.contracts.usage_settlement import ClaimRequest
from chain_client.deploy import Deployment, deploy_all
from chain_client.devchain import DevChain
from chain_client.eip712 import Debit, SettlementReport, sign_settlement_report_multi
from chain_client.merkle import StandardMerkleTree, account_leaf_types, recipients_proof
from chain_client.reverts import RevertDecoder
from chain_client.sender import TransactionSender

ACCOUNT_TREE_LEAVES = 65_536  # 2**16: every proof has 16 siblings
BATCH_ACCOUNTS = 10
FLATTENED_TRACKS = 1_000
ONE_ETHER = 10**18


def _gas(receipt: TxReceipt) -> int:
    return int(receipt["gasUsed"])


def _sorted(addresses: Sequence[str]) -> list[str]:
    return sorted((Web3.to_checksum_address(a) for a in addresses), key=lambda a: int(a, 16))


def _equal_shares(count: int) -> list[int]:
    shares = [SCALE // count] * count
    shares[0] += SCALE - sum(shares)
    return shares


def _random_recipients(count: int, rng: random.Random) -> list[str]:
    return _sorted(["0x" + rng.randbytes(20).hex() for _ in range(count)])


def measure_gas() -> dict[str, int]:
    rng = random.Random(2026)
    artifacts = compile_contracts()
    oz = compile_oz_payment_splitter()
    decoder = RevertDecoder((a.name, a.abi) for a in [*artifacts.all(), *oz.all()])
    results: dict[str, int] = {}
    with DevChain(accounts_count=12) as chain:
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        accounts: list[LocalAccount] = [Account.from_key(k) for k in chain.private_keys]
        deployer, signers, guardian, minter = accounts[0], accounts[1:4], accounts[4], accounts[5]
        payer, buyer, controller = accounts[6], accounts[7], accounts[8]
        recipient_a, recipient_b = _sorted([accounts[9].address, accounts[10].address])
        send: dict[str, TransactionSender] = {
            a.address: TransactionSender(w3, a, decoder=decoder) for a in accounts
        }

        deployment = deploy_all(
            w3,
            deployer,
            guardian=guardian.address,
            oracle_signers=[s.address for s in signers],
            threshold=3,
            minter=minter.address,
            artifacts=artifacts,
            sender=send[deployer.address],
        )
        factory = SplitFactoryClient(w3, deployment.split_factory, send[controller.address])
        musd_as_payer = ERC20Client(w3, deployment.mock_stablecoin, send[payer.address])

        # ---- createSplit, 2 / 10 / 100 recipients (called directly on the factory)
        pair = [recipient_a, recipient_b]
        receipt = factory.create_split(pair, _equal_shares(2), salt=1)
        results["gas.create_split_2"] = _gas(receipt)
        split_2 = factory.created_split(receipt).split
        for count in (10, 100):
            receipt = factory.create_split(
                _random_recipients(count, rng), _equal_shares(count), salt=count
            )
            results[f"gas.create_split_{count}"] = _gas(receipt)
            if count == 100:
                split_100 = factory.created_split(receipt).split

        # ---- deposits: plain transfers in, the same cost whatever the recipient count
        musd_as_payer.mint(payer.address, 10**15)
        results["gas.deposit_erc20"] = _gas(musd_as_payer.transfer(split_2, 1_000_000))
        results["gas.deposit_erc20_100_recipients"] = _gas(
            musd_as_payer.transfer(split_100, 1_000_000)
        )
        results["gas.deposit_eth"] = _gas(
            send[payer.address].send({"to": split_2, "value": ONE_ETHER})
        )

        # ---- release (ETH, first claim of an existing account) vs OZ 4.9.6 PaymentSplitter
        split_client = TrackSplitClient(w3, split_2, send[recipient_a])
        receipt = split_client.release(
            NATIVE_TOKEN,
            recipient_a,
            SCALE // 2,
            recipients_proof(pair, _equal_shares(2), recipient_a),
        )
        results["gas.release"] = _gas(receipt)
        send[payer.address].send({"to": split_2, "value": ONE_ETHER})
        receipt = split_client.release(
            NATIVE_TOKEN,
            recipient_a,
            SCALE // 2,
            recipients_proof(pair, _equal_shares(2), recipient_a),
        )
        results["gas.release_repeat"] = _gas(receipt)

        oz_receipt = send[deployer.address].deploy(
            oz.abi("PaymentSplitter"), oz.bytecode("PaymentSplitter"), pair, [1, 1]
        )
        oz_splitter = w3.eth.contract(
            address=oz_receipt["contractAddress"], abi=oz.abi("PaymentSplitter")
        )
        send[payer.address].send({"to": oz_splitter.address, "value": ONE_ETHER})
        oz_release = oz_splitter.get_function_by_signature("release(address)")(recipient_a)
        # Sent by the payee, like gas.release, so both find the payee warm (EIP-2929).
        results["gas.oz_payment_splitter_release"] = _gas(send[recipient_a].transact(oz_release))

        # ---- releaseMany: one account from 1 and from 10 splits in one transaction
        for count in (1, 10):
            requests = []
            for i in range(count):
                others = _random_recipients(2, rng)
                members = _sorted([recipient_b, *others])
                shares = _equal_shares(3)
                receipt = factory.create_split(members, shares, salt=1_000 * count + i)
                split = factory.created_split(receipt).split
                send[payer.address].send({"to": split, "value": ONE_ETHER})
                share = shares[members.index(recipient_b)]
                proof = recipients_proof(members, shares, recipient_b)
                requests.append(ReleaseRequest(split, NATIVE_TOKEN, share, proof))
            results[f"gas.release_many_{count}"] = _gas(factory.release_many(requests, recipient_b))
            for request in requests:
                send[payer.address].send({"to": request.split, "value": ONE_ETHER})
            results[f"gas.release_many_{count}_repeat"] = _gas(
                factory.release_many(requests, recipient_b)
            )

        # ---- settlement: platform escrow, two posts (3 signatures), claims from a 65,536-leaf tree
        owner_settlement = UsageSettlementClient(
            w3, deployment.usage_settlement, send[deployer.address]
        )
        receipt = owner_settlement.register_platform(
            payer.address, deployment.mock_stablecoin, [3_000_000] * 6
        )
        results["gas.register_platform"] = _gas(receipt)
        platform_id = owner_settlement.registered_platform_id(receipt)
        musd_as_payer.approve(deployment.usage_settlement, 10**15)
        payer_settlement = UsageSettlementClient(
            w3, deployment.usage_settlement, send[payer.address]
        )
        payer_settlement.deposit(platform_id, 10**12, token=deployment.mock_stablecoin)
        results["gas.request_withdrawal"] = _gas(
            payer_settlement.request_withdrawal(platform_id, 1)
        )

        # ---- timelocked governance: queue a rate card, apply it after the governance delay
        change = owner_settlement.queue_rates(platform_id, [3_000_000] * 6)
        results["gas.queue_change_rates"] = _gas(w3.eth.get_transaction_receipt(_last_tx(w3)))
        results["gas.apply_change_rates"] = _gas(owner_settlement.govern(change))

        registry = TrackRegistryClient(w3, deployment.track_registry, send[controller.address])
        track = registry.registered_track(
            registry.register_track(controller.address, pair, _equal_shares(2), tier=6)
        )
        musd = deployment.mock_stablecoin
        results.update(
            _measure_claims(w3, deployment.usage_settlement, musd, platform_id, send, signers, rng)
        )

        # ---- edition purchase (ETH; proceeds forwarded to the track's split)
        editions = TrackEditionsClient(w3, deployment.track_editions, send[controller.address])
        edition_id = editions.created_edition_id(
            editions.create_edition(track.track_id, NATIVE_TOKEN, 10**16, 1_000, royalty_bps=500)
        )
        buyer_editions = TrackEditionsClient(w3, deployment.track_editions, send[buyer.address])
        results["gas.purchase_edition"] = _gas(buyer_editions.purchase(edition_id, 1))
        results.update(measure_trust_split_gas(w3, deployment, send, deployer, controller, pair))
    return results


def measure_trust_split_gas(
    w3: Web3,
    deployment: Deployment,
    send: dict[str, TransactionSender],
    registrar: LocalAccount,
    controller: LocalAccount,
    pair: list[str],
) -> dict[str, int]:
    """Issue 11 figures of the registry and splits (kept apart from measure_gas's other figures).

    - gas.register_track_2: a 2-recipient track registered by the registrar (the API's key) for
      another controller; gas.register_track_2_self: by the controller itself (no role lookup);
    - gas.release_held: an ETH release whose recipient refuses ETH, credited to `held` instead.
    """
    results: dict[str, int] = {}
    shares = _equal_shares(2)
    as_registrar = TrackRegistryClient(w3, deployment.track_registry, send[registrar.address])
    as_controller = TrackRegistryClient(w3, deployment.track_registry, send[controller.address])
    results["gas.register_track_2"] = _gas(
        as_registrar.register_track(controller.address, pair, shares, 6, salt=b"\x11" * 32)
    )
    results["gas.register_track_2_self"] = _gas(
        as_controller.register_track(controller.address, pair, shares, 6, salt=b"\x12" * 32)
    )
    # The registry has no receive(): as a recipient it refuses ETH, so its payout is held.
    refusing = [deployment.track_registry, pair[0]]
    refusing = _sorted(refusing)
    factory = SplitFactoryClient(w3, deployment.split_factory, send[controller.address])
    split = factory.created_split(factory.create_split(refusing, shares, salt=11)).split
    send[controller.address].send({"to": split, "value": ONE_ETHER})
    client = TrackSplitClient(w3, split, send[controller.address])
    receipt = client.release_for(NATIVE_TOKEN, deployment.track_registry, refusing, shares)
    if client.held(NATIVE_TOKEN, deployment.track_registry) != ONE_ETHER // 2:
        raise RuntimeError("the refused ETH payout was not held")
    results["gas.release_held"] = _gas(receipt)
    return results


def _last_tx(w3: Web3) -> bytes:
    """The hash of the latest block's last transaction (a helper that returned no receipt)."""
    return bytes(w3.eth.get_block("latest")["transactions"][-1])  # type: ignore[arg-type]


def _random_address(rng: random.Random) -> str:
    return Web3.to_checksum_address("0x" + rng.randbytes(20).hex())


def _flattened(track_amounts: Sequence[int], shares: Sequence[int]) -> int:
    """An account's cumulative amount: one floor per (track, account path), summed over tracks."""
    return sum(a * s // SCALE for a, s in zip(track_amounts, shares, strict=True))


def _measure_claims(
    w3: Web3,
    settlement_address: str,
    musd: str,
    platform_id: int,
    send: dict[str, TransactionSender],
    signers: Sequence[LocalAccount],
    rng: random.Random,
) -> dict[str, int]:
    """Two epochs of account roots; first and repeat claims, single and batched, from receipts."""
    results: dict[str, int] = {}
    relayer_key = next(iter(send))  # the deployer's sender relays every claim
    relayer = UsageSettlementClient(w3, settlement_address, send[relayer_key])
    musd_minter = ERC20Client(w3, musd, send[relayer_key])
    chain_id = int(w3.eth.chain_id)
    keys = [s.key for s in signers]

    fresh = _random_address(rng)  # first claim into a wallet that holds none of the token
    holder = _random_address(rng)  # first claim into a wallet that already holds the token
    musd_minter.mint(holder, 1)
    one_track = _random_address(rng)
    many_tracks = _random_address(rng)
    batch = [_random_address(rng) for _ in range(BATCH_ACCOUNTS)]
    many_shares = [rng.randrange(1, SCALE) for _ in range(FLATTENED_TRACKS)]
    fillers = [
        [_random_address(rng), musd, rng.randrange(10**9)]
        for _ in range(ACCOUNT_TREE_LEAVES - 4 - BATCH_ACCOUNTS)
    ]

    track_bases = [rng.randrange(10**6, 10**8) for _ in range(FLATTENED_TRACKS)]
    debited = [0]

    def post_epoch(epoch: int) -> tuple[dict[str, ClaimRequest], int]:
        track_amounts = [base * epoch for base in track_bases]  # cumulative: grows every epoch
        ours = {
            fresh: 1_000_000 * epoch,
            holder: 1_000_000 * epoch,
            one_track: _flattened([3_000_000 * epoch], [600_000]),
            many_tracks: _flattened(track_amounts, many_shares),
            **{a: 2_000_000 * epoch + i for i, a in enumerate(batch)},
        }
        values = [*fillers, *([a, musd, amount] for a, amount in ours.items())]
        tree = StandardMerkleTree.of(values, account_leaf_types)
        requests = {
            a: ClaimRequest(a, musd, amount, tree.get_proof(len(fillers) + i))
            for i, (a, amount) in enumerate(ours.items())
        }
        assert all(len(r.proof) == 16 for r in requests.values())
        # debit what the claimed leaves grew by (the fillers are never claimed)
        debit = sum(ours.values()) - debited[0]
        debited[0] += debit
        report = SettlementReport(
            epoch, 1, tree.root, bytes([epoch]) * 32, (Debit(platform_id, debit),)
        )
        signatures = sign_settlement_report_multi(
            keys, report, chain_id=chain_id, verifying_contract=settlement_address
        )
        return requests, _gas(relayer.post(report, signatures))

    def claim(request: ClaimRequest) -> int:
        receipt = relayer.claim(request)
        assert relayer.claimed_amount(receipt) > 0
        return _gas(receipt)

    requests, results["gas.post_root_first"] = post_epoch(1)
    results["gas.claim_first"] = claim(requests[fresh])
    results["gas.claim_first_wallet_holds_token"] = claim(requests[holder])
    claim(requests[one_track])
    claim(requests[many_tracks])
    receipt = relayer.claim_many([requests[a] for a in batch])
    assert relayer.claimed_amount(receipt) == sum(requests[a].cumulative_amount for a in batch)
    results["gas.claim_many_10_accounts_first"] = _gas(receipt)

    requests, results["gas.post_root_3_signers"] = post_epoch(2)
    results["gas.claim_repeat"] = claim(requests[fresh])
    results["gas.claim_from_1_track"] = claim(requests[one_track])
    results["gas.claim_from_1000_tracks"] = claim(requests[many_tracks])
    receipt = relayer.claim_many([requests[a] for a in batch])
    assert relayer.claimed_amount(receipt) == 2_000_000 * BATCH_ACCOUNTS
    results["gas.claim_many_10_accounts"] = _gas(receipt)
    results["gas.claim_many_10_accounts_per_account"] = _gas(receipt) // BATCH_ACCOUNTS
    results["gas.claim_many_10_accounts_first_per_account"] = (
        results["gas.claim_many_10_accounts_first"] // BATCH_ACCOUNTS
    )
    return results


def main() -> None:
    results = measure_gas()
    width = max(len(k) for k in results)
    print(f"{'figure':<{width}}  {'gasUsed':>10}")  # noqa: T201
    for key in sorted(results):
        print(f"{key:<{width}}  {results[key]:>10,}")  # noqa: T201


if __name__ == "__main__":
    main()
