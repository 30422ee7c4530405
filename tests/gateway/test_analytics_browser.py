"""The console's analytics view in headless Chromium over a seeded week (tests/analytics_seed.py).

An agent logs in, opens Analytics, picks 1-7 October 2026 and sees every figure twice: in a Chart.js chart
(drawn from the vendored file under the console's Content-Security-Policy) and in the table beside it;
narrows the range to one day, and downloads the CSV. The screenshot goes to the test's tmp dir, and to
docs/screenshots/analytics.png with SHOPDESK_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.db import make_engine, make_session_factory
from bot.settings import Settings
from tests.analytics_seed import seed_week
from tests.gateway.conftest import ServedApp

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "analytics.png"
TIMEOUT_MS = 30_000


def chart_data(page: Any, canvas_id: str) -> list[list[float]]:
    data: list[list[float]] = page.evaluate(
        "id => Chart.getChart(document.getElementById(id)).data.datasets.map(d => d.data)", canvas_id
    )
    return data


def test_an_agent_reads_the_weeks_figures_as_charts_and_tables_and_downloads_them(
    gateway: ServedApp, gateway_settings: Settings, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    engine = make_engine(gateway_settings.database_url)
    try:
        seed_week(make_session_factory(engine))
    finally:
        engine.dispose()
    expect.set_options(timeout=TIMEOUT_MS)
    problems: list[str] = []

    context = browser.new_context(
        viewport={"width": 1440, "height": 1720}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(gateway.url + "/console")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()

    page.get_by_role("link", name="Analytics").click()
    view = page.get_by_role("main", name="Analytics")
    expect(view).to_be_visible()
    expect(page.get_by_role("link", name="Analytics")).to_have_attribute("aria-current", "page")
    expect(page.locator("#analytics-scope")).to_contain_text("(UTC): 0")  # the last 30 days: nothing yet

    page.get_by_label("From", exact=True).fill("2026-10-01")
    page.get_by_label("To", exact=True).fill("2026-10-07")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#analytics-scope")).to_have_text(
        "Conversations started 1 Oct 2026 – 7 Oct 2026 (UTC): 6"
    )
    tiles = page.locator("#analytics-tiles")
    expect(tiles).to_contain_text("Resolved by the assistant50%3 of 6")
    expect(tiles).to_contain_text("Handed to a person50%3 of 6")
    expect(tiles).to_contain_text("Median first agent reply11 min 30 s2 of 3 escalations answered")
    expect(tiles).to_contain_text("Satisfaction3.7 / 53 answers")
    expect(tiles).to_contain_text("Notices sent0")

    for canvas in ("daily", "containment", "reasons", "intents", "reply", "satisfaction"):
        expect(page.locator(f"#chart-{canvas}")).to_have_attribute("data-rendered", "true")
    assert chart_data(page, "chart-daily") == [
        [0, 1, 1, 0, 0, 0, 0],  # telegram, 1-7 October
        [2, 0, 1, 0, 0, 0, 1],  # web
    ]
    assert chart_data(page, "chart-containment") == [[3, 3]]
    assert chart_data(page, "chart-reasons") == [[1, 1, 1]]
    assert chart_data(page, "chart-intents") == [[2, 1, 1, 1, 1]]
    assert chart_data(page, "chart-reply") == [[0, 1, 0, 1, 0]]
    assert chart_data(page, "chart-satisfaction") == [[0, 1, 0, 1, 1]]
    ratings = page.get_by_role("table", name="Satisfaction")
    expect(ratings.get_by_role("row", name="Rating the assistant alone")).to_contain_text("1")
    reasons = page.get_by_role("table", name="Handoff reasons")
    expect(reasons.get_by_role("row")).to_have_count(4)
    expect(reasons.get_by_role("row", name="Asked for a person")).to_contain_text("1")
    expect(
        page.get_by_role("table", name="Top intents").get_by_role("row", name="ask_policy")
    ).to_contain_text("2")
    expect(page.get_by_role("table", name="Time to first agent reply")).to_contain_text(
        "90th percentile20 min 00 s"
    )
    unanswered = page.get_by_role("table", name="Questions the documents could not answer")
    expect(unanswered.get_by_role("row", name="do you ship to Mars?")).to_contain_text("22 Oct 2026")
    expect(page.locator("#chart-reasons")).to_have_attribute(
        "aria-label",
        "Escalations by reason: Asked for a person 1, Shopper sounds frustrated 1, Sensitive topic 1",
    )
    page.screenshot(path=str(tmp_path / "analytics.png"), full_page=True)
    if os.environ.get("SHOPDESK_UPDATE_SCREENSHOTS") == "1":  # refresh the one in docs/ on purpose only
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "analytics.png", SCREENSHOT)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "shopdesk-analytics-2026-10-01-to-2026-10-07.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {"figure": "conversations", "day": "", "channel": "", "name": "", "value": "6"} in rows
    assert {"figure": "intent", "day": "", "channel": "", "name": "ask_policy", "value": "2"} in rows

    page.get_by_label("From", exact=True).fill("2026-10-03")
    page.get_by_label("To", exact=True).fill("2026-10-03")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#analytics-scope")).to_have_text(
        "Conversations started 3 Oct 2026 – 3 Oct 2026 (UTC): 2"
    )
    assert chart_data(page, "chart-reasons") == [[1, 1]]
    expect(unanswered).to_have_count(0)
    expect(page.locator("#table-unanswered")).to_contain_text("found its answer in the documents")

    page.get_by_label("From", exact=True).fill("2026-10-05")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_have_text("The first day comes after the last one.")

    page.get_by_role("link", name="Conversations").click()
    expect(view).to_be_hidden()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    assert problems == []
    context.close()
