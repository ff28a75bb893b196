"""The oracle's store: Core tables, engine, migrations, repository functions."""
