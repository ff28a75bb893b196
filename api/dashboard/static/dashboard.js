// The contributor dashboard: look an address up, show its public tracks, and after a SIWE
// sign-in (wallet) or with a pasted token, its earnings, claimable amounts and reports.

import { ApiCallError, apiFetch } from "./api.js";
import { el, setStatus, show, table } from "./dom.js";
import { formatShare } from "./format.js";
import { toChecksumAddress } from "./keccak.js";
import { renderAi, renderChart, renderClaimable, renderQuarantine, renderSummary, renderTracks, renderUsage } from "./render.js";
import { hasWallet, signIn, walletAccount } from "./siwe.js";

const state = { address: null };
const sessionKey = (address) => `royalties.session.${address}`;

function tokenFor(address) {
  return sessionStorage.getItem(sessionKey(address)) ?? sessionStorage.getItem("royalties.token");
}

async function renderPublic(address) {
  const page = await apiFetch(`/v1/tracks?contributor=${address}&limit=100`);
  const rows = page.items.map((t) => {
    const me = t.contributors.find((c) => c.address === address);
    return el("tr", { "data-track": t.track_id }, el("td", {}, `#${t.track_id}`), el("td", {}, t.title), el("td", {}, me?.role ?? ""), el("td", {}, me ? formatShare(me.share) : ""), el("td", {}, `tier ${t.tier}`), el("td", {}, t.ai_disclosure));
  });
  show(
    "public",
    el("h2", {}, `Tracks of ${address}`),
    rows.length ? table("public-tracks", ["Track", "Title", "Role", "Share", "Licence", "AI disclosure"], rows) : el("p", { class: "muted" }, "This address is not a contributor of any registered track."),
  );
}

function reportLinks(address, token) {
  const open = (kind) => async (event) => {
    event.preventDefault();
    try {
      const suffix = kind === "json" ? "" : `/${kind}`;
      const response = await apiFetch(`/v1/reports/contributors/${address}${suffix}`, { token, raw: true });
      const url = URL.createObjectURL(await response.blob());
      if (kind === "csv") el("a", { href: url, download: `transparency-${address}.csv` }).click();
      else window.open(url, "_blank");
    } catch (error) {
      setStatus(`Transparency report: ${error.message}`, "error");
    }
  };
  const link = (kind, label) => el("a", { href: `/v1/reports/contributors/${address}${kind === "json" ? "" : `/${kind}`}`, "data-report": kind, onclick: open(kind) }, label);
  return [
    el("h2", {}, "Transparency reports"),
    el("p", {}, "Every amount credited to you traced to its tracks, their platform reports, the epoch root and its transaction, with your leaf's Merkle proof: ", link("json", "JSON"), " · ", link("csv", "CSV"), " · ", link("html", "HTML (printable)")),
  ];
}

async function renderPrivate(address, token) {
  const [dashboard, claimable, quarantine] = await Promise.all([
    apiFetch(`/v1/contributors/${address}/dashboard`, { token }),
    apiFetch(`/v1/contributors/${address}/claimable`, { token }),
    apiFetch(`/dashboard/data/contributors/${address}/quarantine`, { token }),
  ]);
  const sections = [
    await renderSummary(dashboard, claimable),
    await renderChart(dashboard),
    await renderTracks(dashboard),
    await renderUsage(dashboard),
    renderAi(dashboard),
    await renderClaimable(claimable, () => claim(address, token)),
    renderQuarantine(quarantine),
    reportLinks(address, token),
  ];
  show("private", ...sections.map((nodes) => el("section", {}, nodes)));
  show("signin");
}

function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What reached the wallet per token, as the dashboard shows it: claims and split releases. */
function paidTotals(dashboard) {
  const totals = {};
  const add = (token, amount) => (totals[token] = (totals[token] ?? 0n) + BigInt(amount));
  for (const s of dashboard.settlement) add(s.token, s.claimed);
  for (const t of dashboard.tracks) for (const e of t.earnings) add(e.token, e.released_to_you);
  return totals;
}

/** True once the indexed payouts grew by at least what was due, in every token. */
function indexedAll(before, after, due) {
  return Object.entries(due).every(([token, amount]) => (after[token] ?? 0n) - (before[token] ?? 0n) >= BigInt(amount));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function claim(address, token) {
  const button = document.getElementById("claim-button");
  button.disabled = true;
  try {
    setStatus("Claiming: the API sends one claim transaction paying your wallet…");
    const dashboardPath = `/v1/contributors/${address}/dashboard`;
    const before = paidTotals(await apiFetch(dashboardPath, { token }));
    const due = (await apiFetch(`/v1/contributors/${address}/claimable`, { token })).per_token;
    const result = await apiFetch(`/v1/contributors/${address}/claims`, {
      method: "POST",
      body: {},
      token,
      headers: { "Idempotency-Key": randomKey() },
    });
    if (result.status !== "sent") {
      setStatus("Nothing to claim.", "ok");
      return;
    }
    const claimed = `Claimed: transaction ${result.tx_hash}`;
    setStatus(`${claimed}; waiting for the payout to be indexed…`, "ok");
    await renderPrivate(address, token);
    for (let i = 0; i < 30; i++) {
      await sleep(1000);
      if (indexedAll(before, paidTotals(await apiFetch(dashboardPath, { token })), due)) break;
    }
    await renderPrivate(address, token);
    setStatus(claimed, "ok");
  } catch (error) {
    button.disabled = false;
    setStatus(`Claim failed: ${error.message}`, "error");
  }
}

function askToSignIn(address, reason) {
  show("private");
  const button = el("button", { type: "button", id: "signin-button", disabled: hasWallet() ? null : "" }, "Sign in with your wallet");
  button.addEventListener("click", () => walletSignIn(address));
  show(
    "signin",
    el("p", {}, reason),
    button,
    hasWallet() ? null : el("p", { class: "muted" }, "No wallet found in this browser (window.ethereum). Install one, or paste an API token below."),
  );
}

async function loadPrivate(address) {
  const token = tokenFor(address);
  if (!token) {
    askToSignIn(address, "Earnings, claimable amounts and reports are private: sign in with this address's wallet (EIP-4361) to see them.");
    return;
  }
  try {
    setStatus("Loading earnings…");
    await renderPrivate(address, token);
    setStatus(`Showing ${address}.`, "ok");
  } catch (error) {
    if (error instanceof ApiCallError && (error.status === 401 || error.status === 403)) {
      sessionStorage.removeItem(sessionKey(address));
      sessionStorage.removeItem("royalties.token");
      askToSignIn(address, `Sign-in needed: ${error.message}`);
      setStatus(error.message, "error");
    } else {
      setStatus(error.message, "error");
    }
  }
}

async function walletSignIn(address) {
  try {
    setStatus("Waiting for your wallet's signature…");
    const session = await signIn(address);
    sessionStorage.setItem(sessionKey(address), session.token);
    await loadPrivate(address);
  } catch (error) {
    setStatus(`Sign-in failed: ${error.message}`, "error");
  }
}

async function lookUp(raw) {
  let address;
  try {
    address = toChecksumAddress(raw.trim());
  } catch (error) {
    setStatus(error.message, "error");
    return;
  }
  state.address = address;
  document.getElementById("address").value = address;
  history.replaceState(null, "", `?address=${address}`);
  try {
    setStatus(`Looking up ${address}…`);
    await renderPublic(address);
    setStatus(`Public tracks of ${address} shown.`, "ok");
  } catch (error) {
    setStatus(error.message, "error");
    return;
  }
  await loadPrivate(address);
}

document.getElementById("lookup").addEventListener("submit", (event) => {
  event.preventDefault();
  lookUp(document.getElementById("address").value);
});
document.getElementById("use-wallet").addEventListener("click", async () => {
  try {
    const account = await walletAccount();
    await lookUp(account);
  } catch (error) {
    setStatus(error.message, "error");
  }
});
document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = document.getElementById("token").value.trim();
  if (!token) return setStatus("token: paste a session token or the operator's token", "error");
  sessionStorage.setItem("royalties.token", token);
  if (state.address) loadPrivate(state.address);
});
document.getElementById("use-wallet").hidden = !hasWallet();
const initial = new URLSearchParams(location.search).get("address");
if (initial) lookUp(initial);
