"""Auth domain of the API."""
