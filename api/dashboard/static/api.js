// Calls to the API's JSON endpoints (same origin), with the API's error body turned into text.

export class ApiCallError extends Error {
  constructor(status, code, message) {
    super(`${message} (${code}, HTTP ${status})`);
    this.status = status;
    this.code = code;
  }
}

export async function apiFetch(path, { method = "GET", body, token, raw = false, headers: extra = {} } = {}) {
  const headers = { ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let code = "http_error";
    let message = response.statusText;
    try {
      const error = await response.json();
      code = error.code ?? code;
      message = error.message ?? message;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiCallError(response.status, code, message);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

const tokenInfo = new Map();

/** {symbol, decimals} of a token, from /dashboard/data/tokens (cached per page). */
export async function tokenMeta(address) {
  const key = address.toLowerCase();
  if (!tokenInfo.has(key)) {
    tokenInfo.set(
      key,
      apiFetch(`/dashboard/data/tokens/${address}`).catch(() => ({ address, symbol: "units", decimals: 0 })),
    );
  }
  return tokenInfo.get(key);
}
