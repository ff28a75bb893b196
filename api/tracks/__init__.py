"""Tracks domain of the API."""
