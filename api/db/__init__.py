"""Database engine, sessions and migrations of the API."""
