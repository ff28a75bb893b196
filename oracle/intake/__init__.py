"""Intake of platform usage reports: formats, signature checks, validation, persistence."""
