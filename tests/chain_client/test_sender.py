"""TransactionSender against a real anvil: nonces, retries, idempotent rebroadcast, reverts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.compiler import Artifacts
from chain_client.devchain import DevChain, free_port
from chain_client.errors import ContractRevert, RpcError, TransactionFailed, TransactionTimeout
from chain_client.reverts import RevertDecoder
from chain_client.sender import TransactionSender
from tests.chain_client.flaky_proxy import FlakyProxy
from tests.conftest import FIRST_FREE_ACCOUNT

ONE_GWEI = 10**9


@pytest.fixture
def fresh_account(accounts: list[LocalAccount]) -> Callable[[int], LocalAccount]:
    return lambda offset: accounts[FIRST_FREE_ACCOUNT + offset]


def _no_sleep(_: float) -> None:
    return None


def _direct_web3(url: str) -> Web3:
    """web3 without its own HTTP retries, so the sender's retry logic is what is tested."""
    return Web3(Web3.HTTPProvider(url, exception_retry_configuration=None))


def test_many_quick_transactions_get_consecutive_nonces(
    w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT]
    receiver = accounts[FIRST_FREE_ACCOUNT + 1].address
    sender = TransactionSender(w3, account, decoder=revert_decoder)
    start_nonce = w3.eth.get_transaction_count(account.address)
    before = w3.eth.get_balance(receiver)

    hashes = [sender.send_no_wait({"to": receiver, "value": i + 1}) for i in range(40)]
    receipts = [sender.wait_for_receipt(h) for h in hashes]

    assert all(r["status"] == 1 for r in receipts)
    nonces = [w3.eth.get_transaction(h)["nonce"] for h in hashes]
    assert nonces == list(range(start_nonce, start_nonce + 40))
    assert w3.eth.get_balance(receiver) - before == sum(range(1, 41))


def test_nonce_resyncs_after_another_process_used_the_account(
    w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 2]
    receiver = accounts[FIRST_FREE_ACCOUNT + 3].address
    ours = TransactionSender(w3, account, decoder=revert_decoder)
    ours.send({"to": receiver, "value": 1})
    other = TransactionSender(w3, account, decoder=revert_decoder)  # e.g. a restarted process
    other.send({"to": receiver, "value": 1})
    other.send({"to": receiver, "value": 1})

    receipt = ours.send({"to": receiver, "value": 1})  # our local nonce is now stale

    assert receipt["status"] == 1
    assert w3.eth.get_transaction_count(account.address) == w3.eth.get_transaction_count(
        account.address, "pending"
    )


def test_prepared_transaction_is_broadcast_idempotently(
    w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 4]
    receiver = accounts[FIRST_FREE_ACCOUNT + 5].address
    sender = TransactionSender(w3, account, decoder=revert_decoder)
    before = w3.eth.get_balance(receiver)

    signed = sender.prepare({"to": receiver, "value": 777})
    assert sender.broadcast(signed) == signed.tx_hash
    assert sender.broadcast(signed) == signed.tx_hash  # the same bytes again: no second payment
    receipt = sender.wait_for_receipt(signed.tx_hash)
    # after a "crash": a new sender re-sends the persisted bytes and awaits them by hash
    restarted = TransactionSender(w3, account, decoder=revert_decoder)
    assert restarted.rebroadcast(signed.raw) == signed.tx_hash
    assert restarted.wait_for_receipt(signed.tx_hash)["blockHash"] == receipt["blockHash"]

    assert w3.eth.get_balance(receiver) - before == 777


def test_transient_errors_are_retried(
    dev_chain_url: str, accounts: list[LocalAccount], revert_decoder: RevertDecoder, w3: Web3
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 6]
    receiver = accounts[FIRST_FREE_ACCOUNT + 7].address
    before = w3.eth.get_balance(receiver)
    with FlakyProxy(dev_chain_url) as proxy:
        flaky_w3 = _direct_web3(proxy.url)
        sender = TransactionSender(flaky_w3, account, decoder=revert_decoder, sleep=_no_sleep)
        proxy.fail("eth_estimateGas", "503", "503")
        proxy.fail("eth_sendRawTransaction", "503")
        proxy.fail("eth_getTransactionReceipt", "503")

        receipt = sender.send({"to": receiver, "value": 5})

        assert receipt["status"] == 1
        assert proxy.calls["eth_estimateGas"] == 3
        assert proxy.calls["eth_sendRawTransaction"] == 2
    assert w3.eth.get_balance(receiver) - before == 5


def test_lost_broadcast_reply_is_not_re_signed(
    dev_chain_url: str, accounts: list[LocalAccount], revert_decoder: RevertDecoder, w3: Web3
) -> None:
    """The node got the transaction but the reply was lost: re-send the same bytes, pay once."""
    account = accounts[FIRST_FREE_ACCOUNT + 8]
    receiver = accounts[FIRST_FREE_ACCOUNT + 9].address
    before_balance = w3.eth.get_balance(receiver)
    before_nonce = w3.eth.get_transaction_count(account.address)
    with FlakyProxy(dev_chain_url) as proxy:
        flaky_w3 = _direct_web3(proxy.url)
        sender = TransactionSender(flaky_w3, account, decoder=revert_decoder, sleep=_no_sleep)
        proxy.fail("eth_sendRawTransaction", "lost_reply", "lost_reply")

        receipt = sender.send({"to": receiver, "value": 9})

        assert receipt["status"] == 1
        assert proxy.calls["eth_sendRawTransaction"] == 3
    assert w3.eth.get_balance(receiver) - before_balance == 9
    assert w3.eth.get_transaction_count(account.address) == before_nonce + 1


def test_persistent_outage_raises_rpc_error(
    dev_chain_url: str, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 10]
    with FlakyProxy(dev_chain_url) as proxy:
        flaky_w3 = _direct_web3(proxy.url)
        sender = TransactionSender(
            flaky_w3, account, decoder=revert_decoder, sleep=_no_sleep, max_attempts=3
        )
        proxy.fail("eth_estimateGas", "503", "503", "503")
        with pytest.raises(RpcError, match="after 3 attempts"):
            sender.send({"to": account.address, "value": 1})


def test_revert_is_decoded_to_the_named_custom_error(
    w3: Web3,
    accounts: list[LocalAccount],
    artifacts: Artifacts,
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    sender = sender_for(accounts[FIRST_FREE_ACCOUNT + 11])
    receipt = sender.deploy(artifacts.abi("SplitFactory"), artifacts.bytecode("SplitFactory"))
    factory = w3.eth.contract(address=receipt["contractAddress"], abi=artifacts.abi("SplitFactory"))
    high = "0x2000000000000000000000000000000000000002"
    low = "0x1000000000000000000000000000000000000001"

    with pytest.raises(ContractRevert) as raised:
        sender.transact(factory.functions.createSplit([high, low], [500_000, 500_000], b"\0" * 32))

    assert raised.value.error_name == "RecipientsNotSorted"
    assert raised.value.args == (1, Web3.to_checksum_address(high), Web3.to_checksum_address(low))
    assert "RecipientsNotSorted(1," in str(raised.value)

    with pytest.raises(ContractRevert) as sums:
        sender.transact(factory.functions.createSplit([low, high], [1, 2], b"\0" * 32))
    assert sums.value.error_name == "SharesSumMismatch"
    assert sums.value.args == (3, 1_000_000)


def test_mined_revert_is_decoded_from_the_receipt(
    w3: Web3,
    accounts: list[LocalAccount],
    artifacts: Artifacts,
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    """With a fixed gas limit there is no estimate: the transaction is mined and fails."""
    sender = sender_for(accounts[FIRST_FREE_ACCOUNT + 12])
    receipt = sender.deploy(artifacts.abi("SplitFactory"), artifacts.bytecode("SplitFactory"))
    factory = w3.eth.contract(address=receipt["contractAddress"], abi=artifacts.abi("SplitFactory"))

    with pytest.raises(ContractRevert) as raised:
        sender.transact(factory.functions.createSplit([], [], b"\0" * 32), gas=200_000)

    assert raised.value.error_name == "NoRecipients"
    assert raised.value.tx_hash is not None
    assert w3.eth.get_transaction_receipt(raised.value.tx_hash)["status"] == 0


def test_insufficient_funds_is_a_clear_failure(w3: Web3, revert_decoder: RevertDecoder) -> None:
    from eth_account import Account

    pauper = Account.create()
    sender = TransactionSender(w3, pauper, decoder=revert_decoder)
    with pytest.raises(TransactionFailed):
        sender.send({"to": pauper.address, "value": 10**18}, gas=21_000)


def test_confirmations_are_awaited(
    w3: Web3, dev_chain: DevChain, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 13]
    sender = TransactionSender(
        w3, account, decoder=revert_decoder, confirmations=2, receipt_timeout=0.5
    )
    tx_hash = sender.send_no_wait({"to": account.address, "value": 1})
    with pytest.raises(TransactionTimeout, match="2 confirmations"):
        sender.wait_for_receipt(tx_hash)  # automine: nothing is built on top of its block

    dev_chain.mine(2)
    receipt = sender.wait_for_receipt(tx_hash)
    assert w3.eth.block_number - receipt["blockNumber"] >= 2


def test_connection_refused_is_retried_then_reported(
    accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    attempts: list[float] = []
    nobody = _direct_web3(f"http://127.0.0.1:{free_port()}")
    sender = TransactionSender(
        nobody, accounts[0], decoder=revert_decoder, sleep=attempts.append, max_attempts=3
    )
    with pytest.raises(RpcError, match="after 3 attempts"):
        sender.send({"to": accounts[0].address, "value": 1})
    assert attempts == [0.2, 0.4]  # exponential backoff between the three attempts


def test_stale_persisted_transaction_is_not_resent_under_a_used_nonce(
    w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    """Prepared and persisted, never broadcast; meanwhile the nonce went to another transaction."""
    account = accounts[FIRST_FREE_ACCOUNT + 10]
    persisted = TransactionSender(w3, account, decoder=revert_decoder).prepare(
        {"to": account.address, "value": 1}
    )
    TransactionSender(w3, account, decoder=revert_decoder).send({"to": account.address, "value": 2})

    with pytest.raises(TransactionFailed, match="nonce was used by another transaction"):
        TransactionSender(w3, account, decoder=revert_decoder).rebroadcast(persisted.raw)


def test_broadcast_outage_reports_the_hash_to_await(
    dev_chain_url: str, w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    account = accounts[FIRST_FREE_ACCOUNT + 9]
    with FlakyProxy(dev_chain_url) as proxy:
        flaky = TransactionSender(
            _direct_web3(proxy.url),
            account,
            decoder=revert_decoder,
            sleep=_no_sleep,
            max_attempts=2,
        )
        signed = flaky.prepare({"to": account.address, "value": 3})
        proxy.fail("eth_sendRawTransaction", "503", "503")
        with pytest.raises(RpcError) as raised:
            flaky.broadcast(signed)
    assert raised.value.tx_hash == signed.tx_hash

    recovered = TransactionSender(w3, account, decoder=revert_decoder)
    assert recovered.rebroadcast(signed.raw) == signed.tx_hash
    assert recovered.wait_for_receipt(signed.tx_hash)["status"] == 1


def test_a_hash_holding_status_digits_is_not_a_transient_error(
    w3: Web3, accounts: list[LocalAccount], revert_decoder: RevertDecoder
) -> None:
    """A restart re-sends a persisted transaction the node never saw: "Transaction with hash
    0x..503.. not found" is an answer, not an HTTP 503 to retry until the sender gives up."""
    account = accounts[FIRST_FREE_ACCOUNT + 6]
    receiver = accounts[FIRST_FREE_ACCOUNT + 7].address
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    base = {
        "to": receiver,
        "nonce": nonce,
        "gas": 21_000,
        "maxFeePerGas": 100 * ONE_GWEI,
        "maxPriorityFeePerGas": ONE_GWEI,
        "chainId": w3.eth.chain_id,
        "type": 2,
    }
    value = 1
    while True:  # about one signed transaction in 20 has one of these in its hash
        signed = account.sign_transaction({**base, "value": value})
        if any(code in bytes(signed.hash).hex() for code in ("429", "502", "503")):
            break
        value += 1
    restarted = TransactionSender(w3, account, decoder=revert_decoder, max_attempts=2)
    tx_hash = restarted.rebroadcast(bytes(signed.raw_transaction))
    assert restarted.wait_for_receipt(tx_hash)["status"] == 1
    assert w3.eth.get_transaction(tx_hash)["value"] == value
