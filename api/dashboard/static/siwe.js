// Sign-In with Ethereum from the page: the wallet found as window.ethereum (EIP-1193) signs an
// EIP-4361 message built from the API's nonce; the API returns a session token.

import { apiFetch } from "./api.js";
import { toChecksumAddress } from "./keccak.js";

export function hasWallet() {
  return typeof window.ethereum?.request === "function";
}

export async function walletAccount() {
  if (!hasWallet()) throw new Error("no wallet: this browser has no window.ethereum");
  const accounts = await window.ethereum.request({ method: "eth_requestAccounts" });
  if (!accounts?.length) throw new Error("the wallet shared no account");
  return toChecksumAddress(accounts[0]);
}

export function buildMessage({ domain, address, uri, chainId, nonce, issuedAt, expiresAt }) {
  return [
    `${domain} wants you to sign in with your Ethereum account:`,
    address,
    "",
    "Sign in to AI Music Royalties to see your earnings and claim.",
    "",
    `URI: ${uri}`,
    "Version: 1",
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt}`,
    `Expiration Time: ${expiresAt}`,
  ].join("\n");
}

function utf8Hex(text) {
  return `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Signs `address` in with the wallet; returns the API session {token, address, expires_at}. */
export async function signIn(address) {
  const account = await walletAccount();
  if (account !== address) {
    throw new Error(`the wallet's account ${account} is not the address looked up (${address})`);
  }
  const nonce = await apiFetch("/v1/auth/nonce", { method: "POST" });
  if (nonce.domain !== window.location.host) {
    // EIP-4361: the message names the site asking; wallets refuse or warn on a mismatch.
    throw new Error(`this API signs in for ${nonce.domain}: open the dashboard at ${nonce.uri}/dashboard`);
  }
  const walletChain = parseInt(await window.ethereum.request({ method: "eth_chainId" }), 16);
  if (walletChain !== nonce.chain_id) {
    throw new Error(`the wallet is on chain ${walletChain}; this API settles on chain ${nonce.chain_id}`);
  }
  const now = new Date();
  const message = buildMessage({
    domain: nonce.domain,
    address,
    uri: nonce.uri,
    chainId: nonce.chain_id,
    nonce: nonce.nonce,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 10 * 60 * 1000).toISOString(),
  });
  const signature = await window.ethereum.request({ method: "personal_sign", params: [utf8Hex(message), address] });
  return apiFetch("/v1/auth/siwe", { method: "POST", body: { message, signature } });
}
