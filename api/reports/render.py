"""CSV and printable HTML renderings of a transparency report."""

from __future__ import annotations

import csv
import io
from html import escape

from api.reports.schemas import TrackCredit, TransparencyReport

CSV_COLUMNS = (
    "epoch",
    "track_id",
    "title",
    "token",
    "paths",
    "track_amount",
    "your_amount",
    "track_cumulative",
    "your_cumulative",
    "usage",
    "root",
    "data_hash",
    "post_tx_hash",
    "source_reports",
)


def _paths_text(credit: TrackCredit) -> str:
    return ";".join(f"{'>'.join(p.path)}:{p.product}/1e6^{p.depth}" for p in credit.paths)


def _usage_text(credit: TrackCredit) -> str:
    return ";".join(
        f"{u.platform_id}/{u.class_name}:{u.micro_units}:{u.amount}" for u in credit.usage
    )


def _reports_text(credit: TrackCredit) -> str:
    return ";".join(
        f"{s.platform_id}/{s.report_id}#{s.version_id}"
        for u in credit.usage
        for s in u.source_reports
    )


def to_csv(report: TransparencyReport) -> str:
    """One row per (epoch, track, token) credit; `your_amount` sums to the report's totals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in report.credits:
        writer.writerow(
            [
                c.epoch,
                c.track_id,
                c.title,
                c.token,
                _paths_text(c),
                c.track_amount,
                c.your_amount,
                c.track_cumulative,
                c.your_cumulative,
                _usage_text(c),
                c.root,
                c.data_hash,
                c.post_tx_hash or "",
                _reports_text(c),
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
                c.epoch,
                f"{c.track_id} {c.title}",
                _usage_text(c).replace(";", "; "),
                c.track_amount,
                _paths_text(c).replace(";", "; "),
                c.your_amount,
                c.token,
                _reports_text(c).replace(";", ", "),
                c.post_tx_hash or "",
            )
        )
        + "</tr>"
        for c in report.credits
    )
    epochs = "\n".join(
        f"<li>epoch {e.epoch}: root <code>{escape(e.root)}</code>, data hash "
        f"<code>{escape(e.data_hash)}</code>, tx <code>{escape(e.post_tx_hash or '-')}</code>"
        + "".join(
            f"<br>leaf {escape(leaf.account)} / {escape(leaf.token)}: cumulative "
            f"{leaf.cumulative_amount}, proof <code>{_proof_text(leaf.proof)}</code>"
            for leaf in e.leaves
        )
        + "</li>"
        for e in report.epochs
    )
    payments = "\n".join(
        f"<li>{escape(p.event)} {p.amount} of {escape(p.token)}"
        + (f" (from split {escape(p.split)})" if p.split else "")
        + ", "
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
<p>Per track and epoch: usage (platform/class:micro-units:amount), what the epoch added to the
track, your paths through its split (shares multiplied out of 1e6^depth), and your amount: the
floor per path of the track's cumulative amount, minus the same before the epoch.</p>
<table><thead><tr><th>epoch</th><th>track</th><th>usage</th><th>track amount</th>
<th>your paths</th><th>your amount</th><th>token</th><th>reports</th>
<th>post tx</th></tr></thead><tbody>
{rows}
</tbody></table>
<h2>Epoch roots and Merkle proofs</h2><ul>{epochs}</ul>
<h2>Payments on chain</h2><ul>{payments}</ul>
</body></html>
"""
