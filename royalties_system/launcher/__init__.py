"""`royalties up`: the whole system (anvil, contracts, migrations, API, oracle worker, indexer)
on embedded defaults, configured by a few environment variables (see `LauncherSettings`)."""
