"""Editions domain of the API."""
