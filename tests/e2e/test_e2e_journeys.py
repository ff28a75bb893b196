"""The end-to-end journeys, collected from one module so that pytest-xdist's `--dist loadfile`
runs them all on one worker against one running system (it starts in about 20 s; journeys
spread over two workers started it two or three times). Each journey lives in its own
`journey_*.py` file; its tests run here with that file's own names and helpers."""

from __future__ import annotations

import pytest
from journey_dashboard_routes import (
    test_pages_and_assets,
    test_quarantine_read_is_private,
    test_token_metadata,
)
from journey_edition_purchase import test_collector_buys_and_contributors_claim_with_cast
from journey_opt_out import (
    test_artist_opts_out_from_their_own_wallet,
    test_label_opts_out_through_the_api,
)
from journey_platform_to_claim import test_platform_report_epoch_and_gasless_claim

pytestmark = pytest.mark.slow

__all__ = [
    "test_artist_opts_out_from_their_own_wallet",
    "test_collector_buys_and_contributors_claim_with_cast",
    "test_label_opts_out_through_the_api",
    "test_pages_and_assets",
    "test_platform_report_epoch_and_gasless_claim",
    "test_quarantine_read_is_private",
    "test_token_metadata",
]
