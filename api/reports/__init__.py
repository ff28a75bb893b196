"""Reports domain of the API."""
