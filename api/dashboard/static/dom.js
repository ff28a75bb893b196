// Tiny DOM helpers: elements are built with textContent only (no HTML injection).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function table(testid, headings, rows) {
  return el(
    "table",
    { "data-testid": testid },
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows),
  );
}

export function show(id, ...children) {
  const node = document.getElementById(id);
  node.replaceChildren(...children);
  node.hidden = children.length === 0;
  return node;
}

export function setStatus(message, kind = "info") {
  const node = document.getElementById("status");
  node.textContent = message;
  node.dataset.kind = kind;
}
