"""Market report: a self-contained, escaped HTML page whose Plotly charts draw in Chromium."""

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.store import Budgets, StateStore
from arb_pipeline.reporting.market_report import build_report

EVIL = 'Evil <script>alert("x")</script><img src=x onerror=alert(1)> bike'
CHART_TITLES = [
    "Deals by category",
    "Asking vs predicted price",
    "Margin trend",
    "Sold price distribution per product",
    "Alerts and approvals per day",
    "Realized vs predicted resale price",
    "Realized profit and loss by month",
    "Inventory aging",
]
# trade_id, status, title, pred p10/p50/p90, sold price, within, sold_at, profit (reporting)
TRADES = [
    (1, "sold", "Switch OLED", 230.0, 260.0, 290.0, 255.0, True, "2025-01-20", 45.35),
    (2, "sold", "GoPro Hero 11", 180.0, 200.0, 230.0, 150.0, False, "2025-02-03", -12.10),
    (3, "sold", "Kindle", 70.0, 80.0, 95.0, 85.0, True, "2025-02-20", 30.00),
    (4, "open", "Sony A7 III", 900.0, 1000.0, 1150.0, None, None, None, None),
]
# trade_id, aging bucket, past predicted days, cost
INVENTORY = [(4, "31-60", True, 700.0)]
# listing_key, title, category, price, pred_p50, profit, margin, exclusion_reason, first_seen_on
OPPORTUNITIES = [
    ("s:1", "Apple iPhone 13 128GB", "phones", 300, 450, 90, 0.20, None, "2025-03-01"),
    ("s:2", "Sony WH-1000XM4 headphones", "audio", 80, 160, 55, 0.34, None, "2025-03-01"),
    ("s:3", EVIL, "bikes", 150, 400, 180, 0.45, None, "2025-03-02"),
    ("s:4", "Nintendo Switch OLED", "consoles", 200, 260, 20, 0.08, None, "2025-03-03"),
    ("s:5", "Wanted: iPad, will pay cash", "tablets", 100, 300, 150, 0.50, "wanted", "2025-03-03"),
]


def make_warehouse(path: Path) -> Path:
    """A DuckDB file with the columns of the marts the report reads, and a few rows."""
    with duckdb.connect(str(path)) as db:
        db.execute(
            "create table fct_opportunities (listing_key text, source text, title text, url text,"
            " category_raw text, price decimal(14, 2), currency text, pred_p50 double,"
            " profit_reporting double, reporting_currency text, margin double, confidence text,"
            " exclusion_reason text)"
        )
        db.execute("create table fct_listings (listing_key text, first_seen_on date)")
        db.execute(
            "create table fct_sold_comps (listing_key text, product_id text,"
            " price_reporting decimal(14, 2), reporting_currency text)"
        )
        for key, title, category, price, p50, profit, margin, reason, seen in OPPORTUNITIES:
            db.execute(
                "insert into fct_opportunities values"
                " (?, 'sandbox_shop', ?, ?, ?, ?, 'USD', ?, ?, 'USD', ?, 'medium', ?)",
                [key, title, f"https://shop.example/{key}", category, price, p50, profit, margin]
                + [reason],
            )
            db.execute("insert into fct_listings values (?, ?)", [key, seen])
        comps = [
            (f"id:{product}", 100 + 10 * n) for product in range(12) for n in range(product + 1)
        ]
        for n, (product, price) in enumerate(comps):
            db.execute(
                "insert into fct_sold_comps values (?, ?, ?, 'USD')", [f"c:{n}", product, price]
            )
        db.execute(
            "create table fct_trades (trade_id bigint, status text, title text, pred_p10 double,"
            " pred_p50 double, pred_p90 double, proceeds decimal(18, 2), currency text,"
            " within_interval boolean, pred_exit_marketplace text, sold_at date,"
            " realized_profit_reporting double, reporting_currency text, fx_to_reporting double)"
        )
        for trade in TRADES:
            db.execute(
                "insert into fct_trades values (?, ?, ?, ?, ?, ?, ?, 'USD', ?, 'ebay', ?, ?,"
                " 'USD', 1.0)",
                list(trade),
            )
        db.execute(
            "create table mart_inventory (trade_id bigint, aging_bucket text,"
            " past_predicted_days boolean, cost decimal(18, 2), reporting_currency text)"
        )
        for row in INVENTORY:
            db.execute("insert into mart_inventory values (?, ?, ?, ?, 'USD')", list(row))
    return path


def make_store(folder: Path, monkeypatch: pytest.MonkeyPatch) -> StateStore:
    """A SQLite state store with alerts on two days, and an approved and a pending proposal."""
    store = StateStore(folder)
    for day, listing_id in ((1, "1"), (1, "2"), (2, "3")):
        moment = datetime(2025, 3, day, 9, tzinfo=UTC)
        monkeypatch.setattr(store_module, "_now", lambda moment=moment: moment)
        store.claim_alert("bikes", "sandbox_shop", listing_id, 150.0)
        store.create_proposal(
            {"search": "bikes", "source": "sandbox_shop", "listing_id": listing_id, "price": 150.0}
        )
    store.approve(1, Budgets())
    return store


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, int]]:
    """The report built from the small warehouse and store."""
    out = tmp_path / "reports" / "market_report.html"
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    counts = build_report(warehouse, make_store(tmp_path / "state", monkeypatch), out)
    return out, counts


def test_report_is_self_contained_and_escaped(report: tuple[Path, dict[str, int]]) -> None:
    out, counts = report
    page = out.read_text(encoding="utf-8")
    assert counts == {"charts_drawn": 8, "charts_empty": 0, "opportunities_listed": 4}
    assert [path.name for path in out.parent.iterdir()] == ["market_report.html"]  # no temp left
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", page, re.IGNORECASE)
    assert page.count("<script") >= 8 and "Plotly.newPlot" in page
    for title in [*CHART_TITLES, "Top opportunities"]:
        assert f"<h2>{title}</h2>" in page
    assert "<img src=x onerror" not in page and '<script>alert("x")' not in page
    assert "Evil &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<a href="https://shop.example/s:3"' in page
    assert "Wanted: iPad" not in page.split("<h2>Top opportunities</h2>")[1]  # excluded
    assert "No data yet" not in page


def test_charts_answer_a_resellers_questions(report: tuple[Path, dict[str, int]]) -> None:
    page = report[0].read_text(encoding="utf-8")
    deals = _figure(page, "Deals by category")
    # only deals (margin >= 25%, not excluded): audio and bikes; phones (20%), consoles (8%)
    # and the excluded wanted ad are not summed into a loss or a gain
    assert deals["data"][0]["x"] == ["bikes", "audio"]
    assert deals["data"][0]["y"] == [180.0, 55.0]
    realized = _figure(page, "Realized vs predicted resale price")
    assert realized["layout"]["title"]["text"] == "67% of 3 sales inside p10–p90 (80% expected)"
    assert [trace["name"] for trace in realized["data"]] == [
        "Predicted p50, p10–p90",
        "Sold inside p10–p90 (2)",
        "Sold outside p10–p90 (1)",
    ]
    months = _figure(page, "Realized profit and loss by month")
    assert (months["data"][0]["x"], months["data"][0]["y"]) == (
        ["2025-01", "2025-02"],
        [45.35, 17.9],
    )
    aging = _figure(page, "Inventory aging")
    assert [trace["y"] for trace in aging["data"]] == [[0, 0, 0, 0], [0, 1, 0, 0]]


def _figure(page: str, title: str) -> dict:
    """The Plotly figure (data and layout) drawn under the section titled `title`."""
    import json

    section = page.split(f"<h2>{title}</h2>", 1)[1].split("</section>", 1)[0]
    call = section.split("Plotly.newPlot(", 1)[1]
    decoder = json.JSONDecoder()
    rest = call.split(",", 1)[1].lstrip()  # after the div id
    data, end = decoder.raw_decode(rest)
    layout, _ = decoder.raw_decode(rest[end:].lstrip(", "))
    return {"data": data, "layout": layout}


def test_empty_warehouse_and_store_show_no_data_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()  # built, but no marts yet
    out = tmp_path / "market_report.html"
    counts = build_report(warehouse, StateStore(tmp_path / "state"), out)
    page = out.read_text(encoding="utf-8")
    assert counts == {"charts_drawn": 0, "charts_empty": 8, "opportunities_listed": 0}
    assert page.count("No data yet") == 9
    assert "Plotly.newPlot" not in page


def test_charts_draw_in_chromium(report: tuple[Path, dict[str, int]], chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    out, _ = report
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on(
                "request",
                lambda request: request.url.startswith("http") and errors.append(request.url),
            )
            page.goto(out.as_uri())
            page.wait_for_function(
                "[...document.querySelectorAll('.js-plotly-plot')]"
                ".filter(plot => plot._fullLayout).length === 8",
                timeout=15_000,
            )
            assert page.locator(".plotly .main-svg").count() >= 8
            assert page.locator(".js-plotly-plot .points path").count() >= 10  # drawn marks
            assert page.locator("table tbody tr").count() == 4
            assert EVIL in page.locator("table").inner_text()  # shown as text, not run
        finally:
            browser.close()
    assert errors == [] and dialogs == []
