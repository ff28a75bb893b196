"""The running system around the API: the `royalties` command, the launcher (`royalties up`) and the
demo (`royalties demo`). Not API code: it composes api, oracle and chain_client, and nothing there
imports it."""
