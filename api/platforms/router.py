"""Platforms routes."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/platforms", tags=["platforms"])
