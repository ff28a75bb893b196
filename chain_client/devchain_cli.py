"""Run a DevChain in the foreground until SIGINT/SIGTERM: `python -m chain_client.devchain_cli`.

With --state the chain is loaded from that file at start and dumped back on exit (and every
--state-interval seconds), so stopping and starting again keeps every contract and balance.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from chain_client.devchain import DevChain


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m chain_client.devchain_cli", description=__doc__
    )
    parser.add_argument("--port", type=int, default=8545)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", type=Path, default=None, help="load/dump the chain here")
    parser.add_argument("--state-interval", type=int, default=30)
    parser.add_argument("--block-time", type=float, default=None)
    parser.add_argument("--accounts", type=int, default=10)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    chain = DevChain(
        port=args.port,
        host=args.host,
        accounts_count=args.accounts,
        block_time=args.block_time,
        state_path=args.state,
        state_interval=args.state_interval if args.state else None,
    )
    with chain:
        print(f"anvil listening on {chain.rpc_url} (chain id {chain.chain_id})", flush=True)  # noqa: T201
        while not stop.wait(1.0):
            if not chain.running:
                print("anvil exited unexpectedly", flush=True)  # noqa: T201
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
