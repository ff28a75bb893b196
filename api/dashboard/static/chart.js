// A bar chart of one token's earnings per settlement epoch, as inline SVG. Bar heights are
// computed from BigInt ratios (to 0.1% of the tallest bar); labels show the exact figures.

import { formatUnits } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** points: [{epoch, amount (decimal string)}], oldest first. */
export function periodChart(points, { symbol, decimals, token }) {
  const width = 640;
  const height = 220;
  const top = 24;
  const bottom = 36;
  const plot = height - top - bottom;
  const max = points.reduce((m, p) => (BigInt(p.amount) > m ? BigInt(p.amount) : m), 0n);
  const slot = (width - 20) / Math.max(points.length, 1);
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: "chart",
    role: "img",
    "data-testid": "period-chart",
    "data-token": token,
    "aria-label": `Your earnings per epoch in ${symbol}`,
  });
  root.append(svg("line", { x1: 10, x2: width - 10, y1: top + plot, y2: top + plot, class: "axis" }));
  points.forEach((p, i) => {
    const permille = max === 0n ? 0 : Number((BigInt(p.amount) * 1000n) / max);
    const h = Math.max((plot * permille) / 1000, BigInt(p.amount) > 0n ? 2 : 0);
    const x = 10 + i * slot + slot * 0.2;
    const w = slot * 0.6;
    const label = formatUnits(p.amount, decimals);
    const bar = svg("rect", {
      x,
      y: top + plot - h,
      width: w,
      height: h,
      class: "bar",
      "data-epoch": p.epoch,
      "data-raw": p.amount,
    });
    bar.append(svg("title", {}, `epoch ${p.epoch}: ${label} ${symbol}`));
    root.append(bar);
    root.append(svg("text", { x: x + w / 2, y: top + plot - h - 6, class: "bar-label" }, label));
    root.append(svg("text", { x: x + w / 2, y: height - 14, class: "axis-label" }, `epoch ${p.epoch}`));
  });
  return root;
}
