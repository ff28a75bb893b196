// Renders the contributor's sections from the API's JSON. Every amount cell carries the exact
// base units in data-raw and the token in data-token; the text is formatUnits of the same string.

import { tokenMeta } from "./api.js";
import { periodChart } from "./chart.js";
import { el, table } from "./dom.js";
import { formatShare, formatUnits, shortAddress, sum } from "./format.js";

async function amountCell(raw, token, testid) {
  const meta = await tokenMeta(token);
  return el(
    "td",
    { class: "amount", "data-raw": raw, "data-token": token, "data-testid": testid },
    `${formatUnits(raw, meta.decimals)} ${meta.symbol}`,
  );
}

function unitsCell(microUnits, testid) {
  return el("td", { class: "amount", "data-raw": microUnits, "data-testid": testid }, formatUnits(microUnits, 6));
}

/** Totals per token: credited by settlement (your leaf), claimed, released from splits, claimable now. */
export async function renderSummary(dashboard, claimable) {
  const tokens = new Set(Object.keys(claimable.per_token));
  dashboard.settlement.forEach((s) => tokens.add(s.token));
  dashboard.tracks.forEach((t) => t.earnings.forEach((e) => tokens.add(e.token)));
  const rows = [];
  for (const token of [...tokens].sort()) {
    const leaf = dashboard.settlement.find((s) => s.token === token);
    const earnings = dashboard.tracks.flatMap((t) => t.earnings.filter((e) => e.token === token));
    const meta = await tokenMeta(token);
    rows.push(
      el(
        "tr",
        { "data-token": token },
        el("td", {}, meta.symbol),
        await amountCell(leaf ? leaf.cumulative_amount : sum(earnings.map((e) => e.accrued)), token, "total-accrued"),
        await amountCell(leaf ? leaf.claimed : "0", token, "total-claimed"),
        await amountCell(sum(earnings.map((e) => e.released_to_you)), token, "total-released"),
        await amountCell(claimable.per_token[token] ?? "0", token, "claimable"),
      ),
    );
  }
  return [
    el("h2", {}, "Summary"),
    el("p", {}, `Last settled epoch: `, el("strong", { "data-testid": "last-epoch" }, String(dashboard.last_settled_epoch))),
    rows.length
      ? table("summary", ["Token", "Credited by settlement (your leaf)", "Claimed to your wallet", "Released from splits", "Claimable now (usage and sales)"], rows)
      : el("p", { class: "muted" }, "Nothing settled for this address yet."),
  ];
}

function claimButton(claimable, onClaim) {
  const due = Object.values(claimable.per_token).some((v) => BigInt(v) > 0n);
  if (!due || !onClaim) return null;
  return el("p", {}, el("button", { type: "button", id: "claim-button", onclick: onClaim }, "Claim everything, gasless"), el("span", { class: "muted" }, " The API relays one claim transaction paying your wallet from every track (and a releaseMany when splits hold sales for you), and pays the gas."));
}

export async function renderClaimable(claimable, onClaim) {
  const rows = [];
  for (const line of claimable.settlement) {
    rows.push(
      el(
        "tr",
        { "data-source": "settlement", "data-token": line.token },
        el("td", {}, "Settlement (every track)"),
        await amountCell(line.cumulative_amount, line.token, "leaf-cumulative"),
        await amountCell(line.claimed, line.token, "leaf-claimed"),
        await amountCell(line.claimable, line.token, "line-total"),
      ),
    );
  }
  for (const line of claimable.splits) {
    rows.push(
      el(
        "tr",
        { "data-source": "split", "data-track": line.track_id, "data-token": line.token },
        el("td", { title: line.split_address }, `Split of track #${line.track_id} (${shortAddress(line.split_address)})`),
        await amountCell(line.in_split, line.token, "in-split"),
        await amountCell(line.split_leaf_unclaimed, line.token, "split-leaf"),
        await amountCell(line.total, line.token, "line-total"),
      ),
    );
  }
  return [
    el("h2", {}, "Claimable"),
    el("p", { class: "muted" }, claimable.epoch ? `Your leaf under the current root (epoch ${claimable.epoch}) minus what you already claimed on chain. Claim from your wallet (GET /v1/settlement/proof/{address}?token=, then UsageSettlement.claim), or gasless through the API (POST /v1/contributors/{address}/claims).` : "No settlement root is current on chain yet."),
    rows.length ? table("claimable-lines", ["Source", "Cumulative / in the split", "Claimed / split leaf unclaimed", "Claimable"], rows) : el("p", { class: "muted" }, "Nothing to claim."),
    claimButton(claimable, onClaim),
  ];
}

export async function renderChart(dashboard) {
  const perToken = new Map();
  for (const track of dashboard.tracks) {
    for (const p of track.periods) {
      const byEpoch = perToken.get(p.token) ?? new Map();
      byEpoch.set(p.epoch, (byEpoch.get(p.epoch) ?? 0n) + BigInt(p.your_share));
      perToken.set(p.token, byEpoch);
    }
  }
  const nodes = [el("h2", {}, "Your earnings per epoch")];
  if (perToken.size === 0) nodes.push(el("p", { class: "muted" }, "No settled epoch touched your tracks yet."));
  for (const [token, byEpoch] of perToken) {
    const meta = await tokenMeta(token);
    const points = [...byEpoch].sort((a, b) => a[0] - b[0]).map(([epoch, amount]) => ({ epoch, amount: amount.toString() }));
    nodes.push(el("h3", {}, meta.symbol), periodChart(points, { ...meta, token }));
  }
  return nodes;
}

export async function renderTracks(dashboard) {
  const rows = [];
  for (const t of dashboard.tracks) {
    for (const e of t.earnings) {
      rows.push(
        el(
          "tr",
          { "data-track": t.track_id, "data-token": e.token },
          el("td", {}, `#${t.track_id}`),
          el("td", {}, t.title),
          el("td", {}, t.role),
          el("td", { "data-raw": t.share }, t.share ? formatShare(t.share) : "via a nested split"),
          el("td", { "data-testid": "paths" }, t.paths.map((p) => p.path.map(shortAddress).join(" → ")).join("; ")),
          await amountCell(e.accrued, e.token, "accrued"),
          await amountCell(e.released_to_you, e.token, "released"),
        ),
      );
    }
  }
  return [
    el("h2", {}, "Earnings by track"),
    rows.length ? table("earnings-by-track", ["Track", "Title", "Role", "Your share", "Paid through", "Credited by settlement", "Released from the split"], rows) : el("p", { class: "muted" }, "No earnings yet."),
  ];
}

export async function renderUsage(dashboard) {
  const rows = [];
  for (const t of dashboard.tracks) {
    for (const u of t.usage) {
      rows.push(
        el(
          "tr",
          { "data-track": t.track_id, "data-platform": u.platform_id, "data-class": u.usage_class },
          el("td", {}, `#${t.track_id} ${t.title}`),
          el("td", {}, `platform ${u.platform_id}`),
          el("td", {}, u.class_name),
          unitsCell(u.micro_units, "units"),
          await amountCell(u.amount, u.token, "track-amount"),
          await amountCell(u.your_amount, u.token, "your-part"),
        ),
      );
    }
  }
  return [
    el("h2", {}, "Earnings by platform and usage class"),
    el("p", { class: "muted" }, "Cumulative settled usage. Your part is floor(amount × shares along your path / 1,000,000^depth) per line; settlement floors the track's total, not each line, so the sum may differ by a base unit per line."),
    rows.length ? table("earnings-by-class", ["Track", "Platform", "Class", "Units", "Track amount", "Your part"], rows) : el("p", { class: "muted" }, "No settled usage yet."),
  ];
}

export function renderAi(dashboard) {
  const rows = dashboard.tracks.map((t) =>
    el("tr", { "data-track": t.track_id }, el("td", {}, `#${t.track_id} ${t.title}`), unitsCell(t.ai_generation_units, "ai-generations"), unitsCell(t.ai_remix_units, "ai-remixes")),
  );
  return [
    el("h2", {}, "AI generations attributed to your tracks"),
    el("p", { class: "muted" }, "Influence-weighted: a generation citing your track with weight w counts w/1,000,000."),
    rows.length ? table("ai-counts", ["Track", "AI generations", "AI remixes"], rows) : el("p", { class: "muted" }, "No tracks."),
  ];
}

export function renderQuarantine(quarantine) {
  const rows = quarantine.lines.map((q) =>
    el(
      "tr",
      { "data-track": q.track_id, "data-class": q.usage_class, "data-reason": q.reason },
      el("td", {}, `#${q.track_id} ${q.title}`),
      el("td", {}, `platform ${q.platform_id}, report ${q.report_id}`),
      el("td", {}, q.class_name),
      unitsCell(q.micro_units, "quarantined-units"),
      el("td", { "data-testid": "reason" }, q.reason),
      el("td", {}, q.status),
      el("td", { class: "muted" }, q.detail),
    ),
  );
  return [
    el("h2", {}, "Quarantined usage (not paid)"),
    rows.length ? table("quarantine", ["Track", "Report", "Class", "Units", "Reason", "Status", "Detail"], rows) : el("p", { class: "muted", "data-testid": "no-quarantine" }, "No usage of your tracks is held."),
  ];
}
