// Integer-exact formatting of base-unit amounts (decimal strings), with BigInt only.

/** "1234567", 6 -> "1.234567"; "1000000000", 6 -> "1,000"; never a float. */
export function formatUnits(raw, decimals) {
  if (!/^[0-9]+$/.test(String(raw))) throw new Error(`not an integer amount: ${raw}`);
  const value = BigInt(raw);
  const scale = 10n ** BigInt(decimals);
  const whole = (value / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const fraction = decimals > 0 ? (value % scale).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Sum of decimal strings, as a decimal string. */
export function sum(values) {
  return values.reduce((acc, v) => acc + BigInt(v), 0n).toString();
}

/** Share in parts of 1,000,000 as a percentage: 333333 -> "33.3333%". */
export function formatShare(share) {
  return `${formatUnits(String(share), 4)}%`;
}

export function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "";
}
