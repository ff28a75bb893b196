"""Platforms domain of the API."""
