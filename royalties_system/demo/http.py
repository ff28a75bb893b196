"""A small HTTP client for the API that turns every non-2xx answer into a DemoError."""

from __future__ import annotations

from typing import Any

import httpx


class DemoError(RuntimeError):
    """A step of the demo failed; the message names the step and the API's answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ApiClient:
    def __init__(self, base_url: str, admin_token: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.admin_token = admin_token
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.bearer(self.admin_token)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoError(
                f"{method} {self.base_url}{path}: {exc} (is `royalties up` running?)"
            ) from exc
        if response.status_code >= 300:
            raise DemoError(
                f"{method} {path} -> {response.status_code}: {response.text}",
                response.status_code,
            )
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)
