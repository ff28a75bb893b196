"""CSV and printable HTML renderings of a transparency report."""

from __future__ import annotations

import csv
import io
from html import escape

from api.reports.schemas import TransparencyReport

CSV_COLUMNS = (
    "epoch",
    "track_id",
    "title",
    "platform_id",
    "usage_class",
    "class_name",
    "token",
    "micro_units",
    "amount",
    "share",
    "your_amount",
    "root",
    "data_hash",
    "post_tx_hash",
    "source_reports",
)


def to_csv(report: TransparencyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.lines:
        writer.writerow(
            [
                line.epoch,
                line.track_id,
                line.title,
                line.platform_id,
                line.usage_class,
                line.class_name,
                line.token,
                line.micro_units,
                line.amount,
                line.share,
                line.your_amount,
                line.root,
                line.data_hash,
                line.post_tx_hash or "",
                ";".join(
                    f"{s.platform_id}/{s.report_id}#{s.version_id}" for s in line.source_reports
                ),
            ]
        )
    return buffer.getvalue()


def _cell(value: object) -> str:
    return f"<td>{escape(str(value))}</td>"


def _proof_text(proof: list[str]) -> str:
    return escape(" ".join(proof) or "(single leaf: the leaf is the root)")


def to_html(report: TransparencyReport) -> str:
    rows = "\n".join(
        "<tr>"
        + "".join(
            _cell(v)
            for v in (
                line.epoch,
                f"{line.track_id} {line.title}",
                line.platform_id,
                line.class_name,
                line.micro_units,
                line.amount,
                f"{line.share / 10_000:.4f}%",
                line.your_amount,
                line.token,
                ", ".join(f"{s.platform_id}/{s.report_id}" for s in line.source_reports),
                line.post_tx_hash or "",
            )
        )
        + "</tr>"
        for line in report.lines
    )
    epochs = "\n".join(
        f"<li>epoch {e.epoch}: root <code>{escape(e.root)}</code>, data hash "
        f"<code>{escape(e.data_hash)}</code>, tx <code>{escape(e.post_tx_hash or '-')}</code>"
        + "".join(
            f"<br>leaf {escape(leaf.split)} / {escape(leaf.token)}: cumulative "
            f"{leaf.cumulative_amount}, proof <code>{_proof_text(leaf.proof)}</code>"
            for leaf in e.leaves
        )
        + "</li>"
        for e in report.epochs
    )
    payments = "\n".join(
        f"<li>{escape(p.event)} {p.amount} of {escape(p.token)} (split {escape(p.split)}), "
        f"tx <code>{escape(p.tx_hash)}</code></li>"
        for p in report.payments
    )
    totals = ", ".join(
        f"{amount} of {escape(token)}" for token, amount in report.totals_per_token.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Royalty transparency report {escape(report.address)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
td, th {{ border: 1px solid #999; padding: 0.2em 0.4em; text-align: right; }}
code {{ font-size: 0.8em; word-break: break-all; }}
@media print {{ body {{ margin: 0.5cm; }} }}
</style></head><body>
<h1>Royalty transparency report</h1>
<p>Contributor <code>{escape(report.address)}</code>, settlement epochs {report.epoch_from} to
{report.epoch_to}. Amounts are integers in token base units. Your total: {totals or "0"}.</p>
<table><thead><tr><th>epoch</th><th>track</th><th>platform</th><th>class</th><th>micro-units</th>
<th>track amount</th><th>your share</th><th>your amount</th><th>token</th><th>reports</th>
<th>post tx</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Epoch roots and Merkle proofs</h2><ul>{epochs}</ul>
<h2>Payments on chain</h2><ul>{payments}</ul>
</body></html>
"""
