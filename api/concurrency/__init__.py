"""Concurrency primitives for request handlers: per-key single flight and idempotent replay."""
