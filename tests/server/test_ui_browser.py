"""The analysts' web UI in a real browser: Debian's Chromium driven by Playwright against a real
``clearance serve`` process holding the real OFAC SDN list and the shipped Belarus policy pack.

Each test fails when a page breaks: a console error, an uncaught page error, an HTTP 5xx, or an
element the flow needs that does not appear. Every page visited is saved as a screenshot under
``test-artifacts/<test>/``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from serving import Keys, LiveServer, make_keys, start_server, stop_server

from clearance.engine import Engine

playwright_api = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.realdata]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def sdn_server(tmp_path_factory: pytest.TempPathFactory, data_dir: Path,
               session_db: Callable[[Path], str]) -> Iterator[tuple[LiveServer, Keys]]:
    """A store with the real SDN list, its screening index built, served by ``clearance serve``."""
    folder = tmp_path_factory.mktemp("ui")
    db = session_db(folder)
    with Engine(db) as engine:
        engine.ingest([data_dir / "ofac_sdn"], actor="test-setup")
        keys = make_keys(engine)  # the server builds the screening index before /readyz says ready
    server = start_server(db, folder / "serve.log", timeout=300)
    try:
        yield server, keys
    finally:
        stop_server(server)


class Browser:
    """One Chromium page with a fresh profile, recording every way a page can break."""

    def __init__(self, page: Page, base: str, shots: Path) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.problems: list[str] = []
        self.count = 0
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)
        assert self.problems == [], self.problems

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response.status if response else None)

    def login(self, key: str) -> None:
        self.go("/ui/login")
        self.page.fill("#key", key)
        self.page.click("button[type=submit]")
        expect(self.page.locator("header .who")).to_contain_text("analyst tester")


@pytest.fixture
def browser(sdn_server: tuple[LiveServer, Keys], request: pytest.FixtureRequest,
            tmp_path: Path) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)")
    server, keys = sdn_server
    shots = ARTIFACTS / re.sub(r"[^\w.-]", "_", request.node.name)
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(30_000)
        try:
            b = Browser(context.new_page(), server.url, shots)
            b.login(keys.analyst)
            yield b
            assert b.problems == [], b.problems
        finally:
            context.close()


def test_screen_lukashenko_and_open_the_top_explanation(browser: Browser) -> None:
    page = browser.page
    browser.go("/ui/screen")
    browser.shot("screen-form")
    page.fill("#name", "Aleksandr Lukashenko")
    page.click("#screen-form button[type=submit]")
    expect(page.locator("#hits li.hit").first).to_be_visible()
    top = page.locator("#hits li.hit").first
    expect(top.locator(".hit-name")).to_contain_text("LUKASHENKA")  # the SDN entry or the pack's listing fact
    sdn = page.locator('#hits li.hit.match[data-entity="us-ofac-sdn:9760"]')
    expect(sdn).to_be_visible()
    browser.shot("screening-results")
    page.click("#top-explanation summary")
    name_row = page.locator("#top-explanation tr[data-feature=name]")
    expect(name_row).to_be_visible()
    expect(name_row.locator("td.q")).to_contain_text("Aleksandr Lukashenko")
    expect(name_row.locator("td.c")).not_to_be_empty()
    expect(name_row.locator("td.detail")).to_contain_text("lukashenk")  # the name alignment, token by token
    browser.shot("top-hit-explanation")
    sdn.locator(".hit-name").click()
    expect(page.locator("#entity-caption")).to_contain_text("LUKASHENKA")
    expect(page.locator("#names")).to_contain_text("LUKASHENKO")
    expect(page.locator("#history tr.status-added")).to_have_count(1)
    browser.shot("entity-page")


def test_check_belavia_flight_and_read_the_bis_verdict(browser: Browser) -> None:
    page = browser.page
    browser.go("/ui/check")
    page.select_option("#kind", "flight")
    page.fill("#date", "2025-10-01")
    page.select_option("#party_role_0", "operator")
    page.fill("#party_name_0", "Belavia")
    page.fill("#aircraft_registration", "EW-455PA")
    page.fill("#aircraft_model", "Boeing 737-800")
    page.fill("#aircraft_eccn", "9A991.b")
    page.check("#aircraft_subject_to_ear")
    page.fill("#route_from", "MSQ")
    page.fill("#route_to", "SVO")
    browser.shot("check-form")
    page.click("#check-submit")
    bis = page.locator('[data-jurisdiction="US.BIS"]')
    expect(bis.locator(".outcome")).to_have_text("LICENSE_REQUIRED")
    expect(bis.locator(".review")).to_contain_text("denial")
    expect(bis.locator(".rule")).to_contain_text("746")
    expect(page.locator('[data-jurisdiction="US.OFAC"] .outcome')).to_have_text("AUTHORIZED")
    expect(page.locator('[data-jurisdiction="EU"] .outcome')).to_have_text("BLOCKED")
    expect(page.locator(".verdict")).to_have_count(4)
    browser.shot("check-verdicts")


def test_decide_an_alert_false_positive_and_find_it_in_the_audit_log(
        browser: Browser, sdn_server: tuple[LiveServer, Keys]) -> None:
    server, keys = sdn_server
    page = browser.page
    saved = httpx.put(f"{server.url}/counterparties/UI-CUST-1", headers=keys.header("analyst"), timeout=60,
                      json={"name": "Alexander Lukashenko", "type": "person", "country": "BY"})
    assert saved.status_code in (200, 201), saved.text
    alert_id = next(a["alert_id"] for a in saved.json()["screening"]["alerts"] if a["entity_id"] == "us-ofac-sdn:9760")
    browser.go("/ui/alerts?status=open")
    browser.shot("alert-queue")
    page.click(f"#alerts a.alert-link:text-is('{alert_id}')")
    expect(page.locator("#alert-status")).to_have_text("open")
    expect(page.locator("table.explanation")).to_be_visible()
    browser.shot("alert-open")
    page.check("#j-false_positive")
    page.fill("#reason", "Customer born 1990 in Grodno: not the listed person")
    page.click("#decide")
    expect(page.locator("#alert-status")).to_have_text("false_positive")
    expect(page.locator("#alert-history")).to_contain_text("Customer born 1990 in Grodno")
    expect(page.locator("#decision-form")).to_have_count(0)
    browser.shot("alert-decided")
    page.click("header nav a[href='/ui/audit']")
    decided = page.locator("#audit tr.kind-alert-decided").first
    expect(decided).to_contain_text("false_positive")
    expect(decided).to_contain_text(f"alert_id={alert_id}")
    expect(decided).to_contain_text("analyst tester")
    page.click("#verify")
    expect(page.locator("#verify-result")).to_contain_text("Chain intact")
    browser.shot("audit-log")


def test_every_page_renders(browser: Browser) -> None:
    page = browser.page
    for path, marker, text in [
        ("/ui/", "#open-alerts", ""), ("/ui/lists", "table", "us-ofac-sdn"),
        ("/ui/lists/us-ofac-sdn", "#versions", "first version"),
        ("/ui/lists/us-ofac-sdn/diff", "#diff-counts", "added"), ("/ui/counterparties", "#counterparties", ""),
        ("/ui/entities/us-ofac-sdn:44541", "#identifiers", "600390798"),  # Belavia's tax id
        ("/ui/alerts?status=", "#alerts", ""), ("/ui/audit", "#audit", "list.ingested"),
    ]:
        browser.go(path)
        expect(page.locator(marker).first).to_be_visible()
        expect(page.locator(marker).first).to_contain_text(text)
        browser.shot(path.strip("/").replace("/", "-").replace("?", "-").replace("=", "") or "home")
    response = page.goto(browser.base + "/ui/entities/us-ofac-sdn:nobody")
    assert response is not None and response.status == 404
    expect(page.locator("#error-message")).to_contain_text("not found")
    # The browser reports the deliberate 404 on the console; that one is expected.
    assert len(browser.problems) == 1 and "404" in browser.problems[0]
    browser.problems.clear()
