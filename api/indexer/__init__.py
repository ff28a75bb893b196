"""Indexer domain of the API."""
