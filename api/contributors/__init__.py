"""Contributors domain of the API."""
