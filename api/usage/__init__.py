"""Usage domain of the API."""
