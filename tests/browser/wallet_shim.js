// Injected before the page's scripts: an EIP-1193 wallet whose one account is an anvil dev
// account. It forwards requests to anvil's JSON-RPC, so anvil itself signs personal_sign.
(() => {
  const RPC = "__RPC_URL__";
  const ACCOUNT = "__ACCOUNT__".toLowerCase();
  let id = 0;
  async function rpc(method, params) {
    const response = await fetch(RPC, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(body.error.message);
    return body.result;
  }
  window.__walletCalls = [];
  window.ethereum = {
    isTestWallet: true,
    async request({ method, params = [] }) {
      window.__walletCalls.push(method);
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [ACCOUNT];
      if (method === "personal_sign" && params[1].toLowerCase() !== ACCOUNT) {
        throw new Error("this wallet only signs for its own account");
      }
      return rpc(method, params);
    },
  };
})();
