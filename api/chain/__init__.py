"""The API's access to the chain: one gateway per app, holding web3, addresses and senders."""
