"""The dashboard in headless Chromium against the real system (anvil, API under uvicorn, epoch
worker, indexer): look a contributor up, sign in with the page's wallet (anvil signs), and
check every figure shown against the API's JSON and against amounts computed here. Then the
editions page. Screenshots are saved under tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_seed import Seeded, seed
from journey_helpers import bearer, ok
from live_system import LiveSystem
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from chain_client.constants import NATIVE_TOKEN

pytestmark = pytest.mark.slow

WAIT = 120


def fmt(raw: int, decimals: int) -> str:
    """The page's rule, in integers: thousands separators, trailing zeros dropped."""
    whole, fraction = divmod(raw, 10**decimals)
    digits = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{whole:,}.{digits}" if digits else f"{whole:,}"


def wait_css(driver: WebDriver, css: str) -> WebElement:
    element: WebElement = WebDriverWait(driver, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


def cell(row: WebElement, testid: str) -> WebElement:
    return row.find_element(By.CSS_SELECTOR, f"[data-testid={testid}]")


def assert_amount(element: WebElement, raw: int | str, decimals: int, symbol: str) -> None:
    assert element.get_attribute("data-raw") == str(raw)
    assert element.text == f"{fmt(int(raw), decimals)} {symbol}".strip()


@pytest.fixture(scope="module")
def seeded(browser_system: LiveSystem) -> Seeded:
    with httpx.Client(base_url=browser_system.api_url, timeout=120) as client:
        return seed(client, browser_system)


def _install_wallet(driver: Any, system: LiveSystem, account: str) -> None:
    shim = Path(__file__).with_name("wallet_shim.js").read_text()
    source = shim.replace("__RPC_URL__", system.rpc_url).replace("__ACCOUNT__", account)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})


def _api_json(system: LiveSystem, seeded: Seeded) -> dict[str, Any]:
    headers = bearer(seeded.session)
    base = f"{system.api_url}/v1/contributors/{seeded.contributor}"
    with httpx.Client(timeout=120, headers=headers) as client:
        return {
            "dashboard": ok(client.get(f"{base}/dashboard")),
            "claimable": ok(client.get(f"{base}/claimable")),
            "quarantine": ok(
                client.get(
                    f"{system.api_url}/dashboard/data/contributors/{seeded.contributor}/quarantine"
                )
            ),
            "report": ok(
                client.get(f"{system.api_url}/v1/reports/contributors/{seeded.contributor}")
            ),
        }


def test_dashboard_shows_the_api_figures(
    driver: Any, browser_system: LiveSystem, seeded: Seeded, tmp_path: Path
) -> None:
    system = browser_system
    musd = system.deployment.mock_stablecoin
    _install_wallet(driver, system, seeded.contributor)
    driver.get(f"{system.api_url}/dashboard")
    driver.find_element(By.ID, "address").send_keys(seeded.contributor.lower())
    driver.find_element(By.ID, "lookup-button").click()

    # Public subset first: the tracks, and the private part waits for a wallet sign-in.
    public = wait_css(driver, "[data-testid=public-tracks]")
    rows = public.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-track") for r in rows] == [
        str(seeded.track_a),
        str(seeded.track_b),
    ]
    assert "33.3333%" in rows[0].text
    assert driver.find_element(By.ID, "private").get_attribute("hidden") is not None
    assert driver.find_element(By.ID, "address").get_attribute("value") == seeded.contributor
    driver.find_element(By.ID, "signin-button").click()
    summary = wait_css(driver, "[data-testid=summary]")
    assert driver.execute_script("return window.__walletCalls").count("personal_sign") == 1

    api = _api_json(system, seeded)
    dashboard, claimable = api["dashboard"], api["claimable"]
    # The API agrees with the amounts computed from the rate card and shares...
    accrued = sum(
        int(e["accrued"]) for t in dashboard["tracks"] for e in t["earnings"] if e["token"] == musd
    )
    assert accrued == seeded.accrued_musd
    assert claimable["per_token"] == {
        musd: str(seeded.accrued_musd),
        NATIVE_TOKEN: str(seeded.claimable_eth),
    }
    # ...and the page shows exactly the API's figures.
    assert driver.find_element(By.CSS_SELECTOR, "[data-testid=last-epoch]").text == str(
        dashboard["last_settled_epoch"]
    )
    by_token = {
        r.get_attribute("data-token"): r for r in summary.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert set(by_token) == {musd, NATIVE_TOKEN}
    assert dashboard["settlement"] == [
        {"token": musd, "cumulative_amount": str(seeded.accrued_musd), "claimed": "0"}
    ]
    assert_amount(cell(by_token[musd], "total-accrued"), seeded.accrued_musd, 6, "mUSD")
    assert_amount(cell(by_token[musd], "claimable"), claimable["per_token"][musd], 6, "mUSD")
    assert_amount(cell(by_token[NATIVE_TOKEN], "claimable"), seeded.claimable_eth, 18, "ETH")
    assert cell(by_token[NATIVE_TOKEN], "claimable").text == f"{fmt(seeded.claimable_eth, 18)} ETH"

    track_rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=earnings-by-track] tbody tr")
    expected_rows = [(t, e) for t in dashboard["tracks"] for e in t["earnings"]]
    assert len(track_rows) == len(expected_rows)
    for row, (track, earning) in zip(track_rows, expected_rows, strict=True):
        assert row.get_attribute("data-track") == str(track["track_id"])
        decimals, symbol = (6, "mUSD") if earning["token"] == musd else (18, "ETH")
        for testid, key in (("accrued", "accrued"), ("released", "released_to_you")):
            assert_amount(cell(row, testid), earning[key], decimals, symbol)

    usage_rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=earnings-by-class] tbody tr")
    expected_usage = [(t, u) for t in dashboard["tracks"] for u in t["usage"]]
    assert len(usage_rows) == len(expected_usage) == 3  # A: stream + AI; B: stream
    for row, (track, usage) in zip(usage_rows, expected_usage, strict=True):
        assert row.get_attribute("data-class") == str(usage["usage_class"])
        assert cell(row, "units").get_attribute("data-raw") == usage["micro_units"]
        assert cell(row, "units").text == fmt(int(usage["micro_units"]), 6)
        assert_amount(cell(row, "track-amount"), usage["amount"], 6, "mUSD")
        assert usage["your_amount"] == str(int(usage["amount"]) * track["share"] // 10**6)
        assert_amount(cell(row, "your-part"), usage["your_amount"], 6, "mUSD")

    ai_rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=ai-counts] tbody tr")
    for row, track in zip(ai_rows, dashboard["tracks"], strict=True):
        assert cell(row, "ai-generations").get_attribute("data-raw") == track["ai_generation_units"]
        assert cell(row, "ai-generations").text == fmt(int(track["ai_generation_units"]), 6)
    assert cell(ai_rows[0], "ai-generations").text == "11.9"  # 17 generations x 0.7

    bars = driver.find_elements(By.CSS_SELECTOR, "[data-testid=period-chart] rect.bar")
    shown = {int(b.get_attribute("data-epoch")): int(b.get_attribute("data-raw")) for b in bars}
    assert shown == seeded.per_epoch
    api_per_epoch: dict[int, int] = {}
    for track in dashboard["tracks"]:
        for period in track["periods"]:
            api_per_epoch[period["epoch"]] = api_per_epoch.get(period["epoch"], 0) + int(
                period["your_share"]
            )
    assert shown == api_per_epoch

    held = driver.find_elements(By.CSS_SELECTOR, "[data-testid=quarantine] tbody tr")
    assert [(r.get_attribute("data-track"), r.get_attribute("data-reason")) for r in held] == [
        (str(q["track_id"]), q["reason"]) for q in api["quarantine"]["lines"]
    ]
    assert [(q["track_id"], q["reason"], q["micro_units"]) for q in api["quarantine"]["lines"]] == [
        (seeded.track_b, "consent", str(17 * (1_000_000 - 700_000)))
    ]
    assert cell(held[0], "quarantined-units").text == "5.1"

    driver.save_screenshot(str(tmp_path / "dashboard.png"))

    # The HTML transparency report opens with the session (the link fetches it with the token).
    root = api["report"]["credits"][0]["root"]
    before = set(driver.window_handles)
    driver.find_element(By.CSS_SELECTOR, "a[data-report=html]").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(set(d.window_handles) - before) == 1)
    driver.switch_to.window((set(driver.window_handles) - before).pop())
    WebDriverWait(driver, WAIT).until(lambda d: root in d.page_source)
    assert seeded.contributor in driver.page_source


def test_editions_page_shows_price_and_supply_left(
    driver: Any, browser_system: LiveSystem, seeded: Seeded, tmp_path: Path
) -> None:
    api = ok(httpx.get(f"{browser_system.api_url}/v1/editions", timeout=120))
    (edition,) = api["items"]
    driver.get(f"{browser_system.api_url}/dashboard/editions")
    row = wait_css(driver, f"[data-testid=editions] tr[data-edition='{seeded.edition_id}']")
    assert_amount(cell(row, "price"), edition["price"], 18, "ETH")
    assert cell(row, "supply-left").get_attribute("data-raw") == str(edition["supply_left"])
    assert cell(row, "supply-left").text == f"{edition['supply_left']} of {edition['max_supply']}"
    assert edition["supply_left"] == 23
    assert cell(row, "sale-state").text == "on sale"
    driver.save_screenshot(str(tmp_path / "editions.png"))


def test_without_a_wallet_the_page_offers_the_public_subset_or_a_token(
    driver: Any, browser_system: LiveSystem, seeded: Seeded
) -> None:
    from live_system import ADMIN_TOKEN

    driver.get(f"{browser_system.api_url}/dashboard")
    driver.find_element(By.ID, "address").send_keys("0x12345")
    driver.find_element(By.ID, "lookup-button").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: "not an Ethereum address" in d.find_element(By.ID, "status").text
    )
    assert driver.find_element(By.ID, "status").get_attribute("data-kind") == "error"

    driver.get(f"{browser_system.api_url}/dashboard?address={seeded.contributor}")
    wait_css(driver, "[data-testid=public-tracks]")
    button = wait_css(driver, "#signin-button")
    assert button.get_attribute("disabled") is not None
    assert "No wallet found" in driver.find_element(By.ID, "signin").text
    assert driver.find_element(By.ID, "use-wallet").get_attribute("hidden") is not None
    assert driver.find_element(By.ID, "private").get_attribute("hidden") is not None

    driver.find_element(By.CSS_SELECTOR, "details summary").click()
    driver.find_element(By.ID, "token").send_keys("not-a-token-we-issued")
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: "unrecognised bearer token" in d.find_element(By.ID, "status").text
    )
    token_input = driver.find_element(By.ID, "token")
    token_input.clear()
    token_input.send_keys(ADMIN_TOKEN)  # the operator may read any contributor
    driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
    summary = wait_css(driver, "[data-testid=summary]")
    musd = browser_system.deployment.mock_stablecoin
    row = summary.find_element(By.CSS_SELECTOR, f"tbody tr[data-token='{musd}']")
    assert_amount(cell(row, "total-accrued"), seeded.accrued_musd, 6, "mUSD")


def test_sign_in_is_refused_from_another_domain(
    driver: Any, browser_system: LiveSystem, seeded: Seeded
) -> None:
    """The API's SIWE domain is 127.0.0.1:port; the same page opened as localhost:port must not
    ask the wallet to sign a message naming another site."""
    system = browser_system
    _install_wallet(driver, system, seeded.contributor)
    port = system.api_url.rsplit(":", 1)[1]
    driver.get(f"http://localhost:{port}/dashboard?address={seeded.contributor}")
    wait_css(driver, "#signin-button").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: "Sign-in failed" in d.find_element(By.ID, "status").text
    )
    status = driver.find_element(By.ID, "status").text
    assert f"this API signs in for 127.0.0.1:{port}" in status
    assert "personal_sign" not in driver.execute_script("return window.__walletCalls")
    assert driver.find_element(By.ID, "private").get_attribute("hidden") is not None


def test_claim_from_the_page_pays_the_wallet_gasless(
    driver: Any, browser_system: LiveSystem, seeded: Seeded, tmp_path: Path
) -> None:
    from chain_client.compiler import compile_contracts

    system = browser_system
    w3 = system.w3
    musd = w3.eth.contract(
        address=system.deployment.mock_stablecoin, abi=compile_contracts().abi("MockStablecoin")
    )
    account = w3.to_checksum_address(seeded.contributor)
    eth_before, musd_before = w3.eth.get_balance(account), musd.functions.balanceOf(account).call()
    _install_wallet(driver, system, seeded.contributor)
    driver.get(f"{system.api_url}/dashboard?address={seeded.contributor}")
    wait_css(driver, "#signin-button").click()
    wait_css(driver, "#claim-button").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: (
            d.find_element(By.ID, "status").text.startswith("Claimed: transaction 0x")
            and "waiting" not in d.find_element(By.ID, "status").text
        )
    )
    assert musd.functions.balanceOf(account).call() - musd_before == seeded.accrued_musd
    assert w3.eth.get_balance(account) - eth_before == seeded.claimable_eth  # the relayer paid gas
    # Once indexed, the page shows the payouts as paid and nothing left to claim.
    summary = wait_css(driver, "[data-testid=summary]")
    rows = {
        r.get_attribute("data-token"): r for r in summary.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert set(rows) == {system.deployment.mock_stablecoin, NATIVE_TOKEN}
    # mUSD came by one settlement claim (the account's leaf), ETH from the edition's split.
    assert_amount(
        cell(rows[system.deployment.mock_stablecoin], "total-claimed"),
        seeded.accrued_musd,
        6,
        "mUSD",
    )
    assert_amount(cell(rows[NATIVE_TOKEN], "total-released"), seeded.claimable_eth, 18, "ETH")
    for row in rows.values():
        assert cell(row, "claimable").get_attribute("data-raw") == "0"
    assert driver.find_elements(By.ID, "claim-button") == []
    driver.save_screenshot(str(tmp_path / "after-claim.png"))
