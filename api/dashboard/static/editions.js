// The public editions list: price, supply left and sale window of every edition.

import { apiFetch, tokenMeta } from "./api.js";
import { el, setStatus, show, table } from "./dom.js";
import { formatUnits } from "./format.js";

const PAGE = 100;

async function allEditions() {
  const items = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await apiFetch(`/v1/editions?limit=${PAGE}&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

function when(seconds, zero) {
  return seconds === 0 ? zero : new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function saleState(e, now) {
  if (e.supply_left === 0) return "sold out";
  if (now < e.sale_start) return "not yet on sale";
  if (e.sale_end !== 0 && now > e.sale_end) return "sale ended";
  return "on sale";
}

async function main() {
  const editions = await allEditions();
  const titles = new Map();
  for (const id of new Set(editions.map((e) => e.track_id))) {
    titles.set(id, (await apiFetch(`/v1/tracks/${id}`).catch(() => ({ title: "" }))).title);
  }
  const now = Math.floor(Date.now() / 1000);
  const rows = [];
  for (const e of editions) {
    const meta = await tokenMeta(e.token);
    rows.push(
      el(
        "tr",
        { "data-edition": e.edition_id },
        el("td", {}, `#${e.edition_id}`),
        el("td", {}, `#${e.track_id} ${titles.get(e.track_id)}`),
        el("td", { class: "amount", "data-testid": "price", "data-raw": e.price, "data-token": e.token }, `${formatUnits(e.price, meta.decimals)} ${meta.symbol}`),
        el("td", { class: "amount", "data-testid": "supply-left", "data-raw": e.supply_left ?? "" }, e.supply_left === null ? "unknown" : `${e.supply_left} of ${e.max_supply}`),
        el("td", {}, `${when(e.sale_start, "open")} → ${when(e.sale_end, "no end")}`),
        el("td", {}, e.per_wallet_cap === 0 ? "no cap" : String(e.per_wallet_cap)),
        el("td", {}, `${formatUnits(String(e.royalty_bps), 2)}%`),
        el("td", { "data-testid": "sale-state" }, saleState(e, now)),
      ),
    );
  }
  show(
    "editions",
    rows.length
      ? table("editions", ["Edition", "Track", "Price", "Supply left", "Sale window", "Per wallet", "Royalty", "State"], rows)
      : el("p", { class: "muted" }, "No editions yet."),
  );
  setStatus(`${editions.length} edition${editions.length === 1 ? "" : "s"}.`, "ok");
}

main().catch((error) => setStatus(error.message, "error"));
