"""Serves the dashboard pages and their static assets.

`/dashboard` is the contributor dashboard, `/dashboard/editions` the public editions list. Both
are static files under `static/`; the browser reads the API's own JSON endpoints.

Who may see what (the API decides, the page follows):

- Public, no sign-in: the tracks an address contributes to (`GET /v1/tracks?contributor=`),
  the editions with price and supply left (`GET /v1/editions`), token symbols and decimals.
- A SIWE session of that wallet (or the operator's token): earnings by track, platform and
  class, the per-epoch chart, AI generation counts, what is claimable per token, quarantined
  usage and the transparency reports (JSON, CSV, HTML). The page signs in with the wallet it
  finds as `window.ethereum` (EIP-1193: `eth_requestAccounts`, then `personal_sign` of an
  EIP-4361 message built from `/v1/auth/nonce`), or takes a pasted bearer token. Without
  either it shows the public subset and says why the rest is hidden. The session token stays
  in the tab's `sessionStorage` only.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.dashboard.data import router as data_router
from api.dashboard.paths import STATIC_DIR
from api.errors import NotFound

router = APIRouter()
router.include_router(data_router)

ASSET_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,40}\.(js|css|svg)$")
MEDIA_TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "no-cache"}


@router.get("/dashboard", include_in_schema=False)
def dashboard_page() -> FileResponse:
    return _page("dashboard.html")


@router.get("/dashboard/editions", include_in_schema=False)
def editions_page() -> FileResponse:
    return _page("editions.html")


@router.get("/dashboard/static/{name}", include_in_schema=False)
def static_asset(name: str) -> FileResponse:
    match = ASSET_NAME.match(name)
    path = STATIC_DIR / name
    if match is None or not path.is_file():
        raise NotFound(f"name: no dashboard asset {name!r}")
    return FileResponse(path, media_type=MEDIA_TYPES[match.group(1)], headers=_NO_STORE)
