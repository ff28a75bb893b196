"""End to end on anvil: deploy, register a track (its split), fund, release, settle, claim, sell.

Every expected balance is computed here with plain integer arithmetic from the inputs,
independently of chain_client, and compared to the chain to the base unit.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.constants import NATIVE_TOKEN
from chain_client.contracts import (
    ERC20Client,
    TrackEditionsClient,
    TrackRegistryClient,
    TrackSplitClient,
    UsageSettlementClient,
)
from chain_client.contracts.usage_settlement import ClaimRequest
from chain_client.deploy import Deployment
from chain_client.eip712 import Debit, SettlementReport, sign_settlement_report_multi
from chain_client.errors import ContractRevert
from chain_client.merkle import StandardMerkleTree, account_leaf_types, recipients_proof
from chain_client.sender import TransactionSender
from tests.conftest import FIRST_FREE_ACCOUNT

ETHER = 10**18


@pytest.mark.slow
def test_money_flows_to_the_base_unit(
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    accounts: list[LocalAccount],
    deployer: LocalAccount,
    oracle_accounts: list[LocalAccount],
    minter: LocalAccount,
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    deployment = deploy_fresh()
    free = accounts[FIRST_FREE_ACCOUNT:]
    controller, payer, relayer, buyer = free[0], free[1], free[2], free[3]
    members = sorted(free[4:7], key=lambda a: int(a.address, 16))
    r1, r2, r3 = (m.address for m in members)
    shares = [500_000, 300_000, 200_000]
    recipients = [r1, r2, r3]

    registry = TrackRegistryClient(w3, deployment.track_registry, sender_for(controller))
    musd_payer = ERC20Client(w3, deployment.mock_stablecoin, sender_for(payer))
    musd = deployment.mock_stablecoin

    # ---- register the track: its split is created by the factory
    receipt = registry.register_track(
        controller.address, recipients, shares, tier=6, ai_consent_mask=0x30
    )
    track = registry.registered_track(receipt)
    assert track.track_id == 1
    assert registry.track(1).split == track.split
    split = TrackSplitClient(w3, track.split, sender_for(relayer))

    # ---- fund it directly: ETH and the mock stablecoin
    sender_for(payer).send({"to": track.split, "value": ETHER + 7})
    musd_payer.mint(payer.address, 50_000_000)
    musd_payer.transfer(track.split, 1_000_003)

    eth_before = {r: w3.eth.get_balance(r) for r in recipients}
    musd_reader = ERC20Client(w3, musd)
    musd_balance = musd_reader.balance_of

    # ---- release r1 (sent by a relayer: permissionless, r1 pays no gas)
    split.release(NATIVE_TOKEN, r1, shares[0], recipients_proof(recipients, shares, r1))
    split.release(musd, r1, shares[0], recipients_proof(recipients, shares, r1))
    assert w3.eth.get_balance(r1) - eth_before[r1] == (ETHER + 7) * 500_000 // 1_000_000
    assert musd_balance(r1) == 1_000_003 * 500_000 // 1_000_000  # 500,001

    # ---- settlement: platform escrow, rates, one epoch signed by 2 of 3 oracles, account claims
    owner = UsageSettlementClient(w3, deployment.usage_settlement, sender_for(deployer))
    stream_rate = 4_000 * 1_000_000  # 4,000 base units (0.004 mUSD) per stream, scaled 1e6
    ai_rate = 10_000 * 1_000_000
    rates = [stream_rate, 0, 0, 0, ai_rate, 0]
    platform_id = owner.registered_platform_id(owner.register_platform(payer.address, musd, rates))
    musd_payer.approve(deployment.usage_settlement, 10_000_000)
    payer_settlement = UsageSettlementClient(w3, deployment.usage_settlement, sender_for(payer))
    payer_settlement.deposit(platform_id, 10_000_000, token=musd)

    streams_micro = 1_234 * 1_000_000
    ai_micro = 3 * 333_333  # three generations attributed with weight 0.333333
    our_amount = streams_micro * stream_rate // 10**12 + ai_micro * ai_rate // 10**12
    assert our_amount == 4_936_000 + 9_999  # 1,234 x 4,000 + floor(999,999 x 10,000 / 1e6)
    # the track's amount flattened through its split: one floor per (track, account path)
    amounts = [our_amount * s // 1_000_000 for s in shares]
    assert amounts == [2_472_999, 1_483_799, 989_199]
    dust = our_amount - sum(amounts)
    assert 0 <= dust < len(recipients)
    other_account = "0x" + "ab" * 20
    other_amount = 777
    leaves = [*([r, musd, a] for r, a in zip(recipients, amounts, strict=True))]
    leaves.append([other_account, musd, other_amount])
    tree = StandardMerkleTree.of(leaves, account_leaf_types)
    debit = our_amount + other_amount
    report = SettlementReport(1, 1, tree.root, b"\x5e" * 32, (Debit(platform_id, debit),))
    signatures = sign_settlement_report_multi(
        [oracle_accounts[2].key, oracle_accounts[0].key],
        report,
        chain_id=deployment.chain_id,
        verifying_contract=deployment.usage_settlement,
    )
    anyone = UsageSettlementClient(w3, deployment.usage_settlement, sender_for(relayer))
    anyone.post(report, signatures)
    assert owner.platform(platform_id).escrow == 10_000_000 - debit

    # a relayer claims for r1 (paid to r1 itself), then a batch for everyone: r1's entry is skipped
    requests = [
        ClaimRequest(r, musd, a, tree.get_proof(i))
        for i, (r, a) in enumerate(zip(recipients, amounts, strict=True))
    ]
    receipt = anyone.claim(requests[0])
    assert anyone.claimed_amount(receipt) == amounts[0]
    with pytest.raises(ContractRevert) as again:  # cumulative: nothing more is due
        anyone.claim(requests[0])
    assert again.value.error_name == "NothingToClaim"
    assert again.value.args == (r1, musd, amounts[0], amounts[0])
    receipt = anyone.claim_many(requests)
    assert anyone.claimed_amount(receipt) == amounts[1] + amounts[2]
    assert [e.args["account"] for e in anyone.events_in_receipt(receipt, "Claimed")] == [r2, r3]
    assert musd_balance(deployment.usage_settlement) == (10_000_000 - debit) + other_amount + dust
    assert musd_balance(payer.address) == 50_000_000 - 1_000_003 - 10_000_000
    assert (owner.total_debited(musd), owner.total_claimed(musd)) == (debit, sum(amounts))
    assert [owner.claimed(r, musd) for r in recipients] == amounts
    assert musd_balance(r1) == 1_000_003 * 500_000 // 1_000_000 + amounts[0]
    assert musd_balance(r3) == amounts[2]

    # ---- the split holds only the direct deposits: royalties went to the accounts
    split.release(musd, r2, shares[1], recipients_proof(recipients, shares, r2))
    total_musd = 1_000_003
    assert musd_balance(r2) == total_musd * 300_000 // 1_000_000 + amounts[1]

    # ---- collectors: an ETH edition bought on chain, one minted after an off-chain sale
    editions = TrackEditionsClient(w3, deployment.track_editions, sender_for(controller))
    price = ETHER // 100
    edition_id = editions.created_edition_id(
        editions.create_edition(track.track_id, NATIVE_TOKEN, price, 10, royalty_bps=750)
    )
    buyer_editions = TrackEditionsClient(w3, deployment.track_editions, sender_for(buyer))
    buyer_eth_before = w3.eth.get_balance(buyer.address)
    purchase = buyer_editions.purchase(edition_id, 2)
    gas_cost = purchase["gasUsed"] * purchase["effectiveGasPrice"]
    assert buyer_eth_before - w3.eth.get_balance(buyer.address) == 2 * price + gas_cost
    assert buyer_editions.balance_of(buyer.address, edition_id) == 2
    assert editions.royalty_info(edition_id, 10_000) == (track.split, 750)

    api_minter = TrackEditionsClient(w3, deployment.track_editions, sender_for(minter))
    api_minter.mint_to(edition_id, buyer.address, 1, b"\x01" * 32)
    with pytest.raises(ContractRevert) as repeated:
        api_minter.mint_to(edition_id, buyer.address, 1, b"\x01" * 32)
    assert repeated.value.error_name == "OrderAlreadyFulfilled"
    assert editions.minted(edition_id) == 3

    split.release(NATIVE_TOKEN, r3, shares[2], recipients_proof(recipients, shares, r3))
    total_eth = ETHER + 7 + 2 * price
    assert w3.eth.get_balance(r3) - eth_before[r3] == total_eth * 200_000 // 1_000_000
    released_eth = (ETHER + 7) * 500_000 // 1_000_000 + total_eth * 200_000 // 1_000_000
    assert w3.eth.get_balance(track.split) == total_eth - released_eth
    released_musd = total_musd * 500_000 // 1_000_000 + total_musd * 300_000 // 1_000_000
    assert musd_balance(track.split) == total_musd - released_musd
    assert split.total_released(musd) == released_musd
    assert split.released(NATIVE_TOKEN, r2) == 0
    r1_events = split.released_events(deployment.deploy_block, account=r1)
    assert [(e.args["token"], e.args["amount"]) for e in r1_events] == [
        (NATIVE_TOKEN, (ETHER + 7) * 500_000 // 1_000_000),
        (musd, 1_000_003 * 500_000 // 1_000_000),
    ]
