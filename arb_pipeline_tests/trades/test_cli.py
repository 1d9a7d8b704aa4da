"""`arb-pipeline trades …` on SQLite and PostgreSQL: buy, list for sale, sell, import, list;
every refusal exits 2 with one line and leaves the ledger as it was."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.cli import main
from arb_pipeline.trades.ledger import TradeLedger


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one CLI call."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    """`trades list --format json` as rows."""
    code, out, err = run(capsys, "trades", "list", "--format", "json", *argv)
    assert code == 0, err
    return json.loads(out)


def test_buy_then_sell_gives_realized_profit_to_the_cent(
    store: StateStore, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "trades",
        "buy",
        "1",
        "--price",
        "200",
        "--shipping",
        "12.50",
        "--date",
        "2025-03-01",
    )
    assert code == 0, err
    assert "trade 1: bought proposal 1 on 2025-03-01 for 212.50 USD" in out
    assert "p10–p90 380.00–495.00" in out
    proposal = store.get_proposal(1)
    # budgets count the money actually spent: the committed amount is now the real cost
    assert (proposal["status"], proposal["approved_amount"]) == ("purchased", 212.5)

    code, out, err = run(
        capsys,
        "trades",
        "list-for-sale",
        "1",
        "--marketplace",
        "eBay",
        "--price",
        "479.99",
        "--date",
        "2025-03-02",
    )
    assert code == 0, err
    assert [row["status"] for row in listed(capsys)] == ["listed"]

    code, out, err = run(
        capsys,
        "trades",
        "sell",
        "1",
        "--price",
        "450",
        "--marketplace",
        "ebay",
        "--date",
        "2025-03-20",
    )
    assert code == 0, err
    # eBay from 2024-02-15: 13.25% of 450.00 = 59.625, + 0.40 per order = 60.03 (half up)
    assert "fees 60.03 USD (from the ebay schedule of 2024-02-15: 13.25% + 0.40 per order)" in out
    assert "realized profit 177.47 USD" in out
    assert "trades correct 1 --fees" in out

    (trade,) = listed(capsys, "--status", "sold")
    assert {
        k: trade[k]
        for k in (
            "cost",
            "proceeds",
            "fees",
            "realized_profit",
            "realized_profit_reporting",
            "reporting_currency",
            "days_held",
            "pred_p10",
            "pred_p50",
            "pred_p90",
            "pred_exit_marketplace",
            "pred_days_to_sell",
            "within_interval",
            "category",
        )
    } == {
        "cost": 212.5,
        "proceeds": 450.0,
        "fees": 60.03,
        "realized_profit": 177.47,
        "realized_profit_reporting": 177.47,
        "reporting_currency": "USD",
        "days_held": 19,
        "pred_p10": 380.0,
        "pred_p50": 440.0,
        "pred_p90": 495.0,
        "pred_exit_marketplace": "ebay",
        "pred_days_to_sell": 12.0,
        "within_interval": True,
        "category": "Cell Phones",
    }
    assert listed(capsys, "--status", "open") == []

    code, out, _ = run(capsys, "trades", "correct", "1", "--fees", "58.10")
    assert code == 0
    assert "realized profit 179.40 USD" in out


def test_budgets_count_what_was_spent(
    store: StateStore, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # proposal 1 was approved for its price, 210.00; it cost 250.00 with shipping
    code, out, _ = run(capsys, "trades", "buy", "1", "--price", "235", "--shipping", "15")
    assert code == 0
    assert "note: 40.00 more than the 210.00 approved; budgets now count what was spent" in out
    monkeypatch.setenv("ARB_BUDGET_TOTAL", "380")
    # 210 + 150 would fit in 380; 250 actually spent + 150 does not
    code, _, err = run(capsys, "proposals", "approve", "2")
    assert code == 1
    assert "total budget exceeded: limit 380.00, already committed 250.00" in err


def test_reporting_currency_converts_at_the_sale_date(
    store: StateStore, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "trades", "buy", "1", "--price", "200", "--date", "2025-03-01")
    run(
        capsys,
        "trades",
        "sell",
        "1",
        "--price",
        "310",
        "--marketplace",
        "craigslist",
        "--date",
        "2025-03-05",
    )
    monkeypatch.setenv("ARB_REPORTING_CURRENCY", "EUR")
    (trade,) = listed(capsys)
    # profit 110.00 USD at 1.08 USD per EUR (seed fx_rates from 2024-01-01) = 101.85 EUR
    assert (trade["realized_profit"], trade["realized_profit_reporting"]) == (110.0, 101.85)
    assert trade["fees"] == 0.0  # craigslist charges sellers nothing
    assert trade["within_interval"] is None  # no warehouse, so no prediction to hold it to


REFUSALS = [
    (["trades", "buy", "9", "--price", "10"], "no proposal with id 9"),
    (["trades", "buy", "2", "--price", "10"], "proposal 2 is pending; approve it first"),
    (["trades", "buy", "1", "--price", "-10"], "--price must not be negative"),
    (["trades", "buy", "1", "--price", "ten"], "--price must be an amount like 12.50"),
    (["trades", "buy", "1", "--price", "10.005"], "--price has more than two decimals"),
    (["trades", "buy", "1", "--price", "10", "--date", "03/01/2025"], "--date must be a date"),
    (["trades", "buy", "1", "--price", "10", "--date", "2999-01-01"], "is in the future"),
    (["trades", "sell", "7", "--price", "10", "--marketplace", "ebay"], "no trade with id 7"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSALS)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    store: StateStore, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    before = store.list_proposals()
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert out == ""
    assert store.list_proposals() == before
    assert TradeLedger(store).all() == []


def test_refused_sales_leave_the_trade_as_it_was(
    store: StateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "trades", "buy", "1", "--price", "200", "--date", "2025-03-01")[0] == 0
    refusals = [
        (
            ["--price", "300", "--marketplace", "ebay", "--date", "2025-02-28"],
            "sale date 2025-02-28 is before the purchase on 2025-03-01 (trade 1)",
        ),
        (
            ["--price", "300", "--marketplace", "etsy", "--date", "2025-03-10"],
            "no fee schedule for etsy on 2025-03-10",
        ),
        (["--price", "-1", "--marketplace", "ebay"], "--price must not be negative"),
    ]
    before = TradeLedger(store).all()
    for argv, message in refusals:
        code, _, err = run(capsys, "trades", "sell", "1", *argv)
        assert (code, len(err.strip().splitlines())) == (2, 1)
        assert message in err
        assert TradeLedger(store).all() == before

    sold = [
        "trades",
        "sell",
        "1",
        "--price",
        "300",
        "--marketplace",
        "ebay",
        "--date",
        "2025-03-10",
    ]
    assert run(capsys, *sold)[0] == 0
    after_sale = TradeLedger(store).all()
    code, _, err = run(capsys, *sold[:3], "--price", "999", "--marketplace", "mercari")
    assert code == 2
    assert err.strip() == "error: trade 1 was already sold on 2025-03-10 for 300.00 USD"
    code, _, err = run(
        capsys, "trades", "list-for-sale", "1", "--marketplace", "ebay", "--price", "5"
    )
    assert code == 2 and "already sold" in err
    code, _, err = run(capsys, "trades", "buy", "1", "--price", "200", "--date", "2025-03-01")
    assert code == 2 and "proposal 1 was already bought: trade 1" in err
    assert TradeLedger(store).all() == after_sale


def write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    """A spreadsheet export as CSV."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


SHEET = [
    # two identical items bought the same day: two trades, not one
    {
        "title": "Nintendo Switch OLED",
        "bought_price": "180",
        "bought_at": "2025-01-04",
        "sold_price": "260",
        "sold_at": "2025-01-20",
        "marketplace": "ebay",
        "fees": "",
        "shipping": "9.80",
        "category": "Consoles",
    },
    {
        "title": "Nintendo Switch OLED",
        "bought_price": "180",
        "bought_at": "2025-01-04",
        "sold_price": "",
        "sold_at": "",
        "marketplace": "",
        "fees": "",
        "shipping": "",
        "category": "Consoles",
    },
    {
        "title": "Sony A7 III body",
        "bought_price": "-900",
        "bought_at": "2025-02-01",
        "sold_price": "",
        "sold_at": "",
        "marketplace": "",
        "fees": "",
        "shipping": "",
        "category": "",
    },
    {
        "title": "Lenovo X1 Carbon",
        "bought_price": "400",
        "bought_at": "2025-02-10",
        "sold_price": "620",
        "sold_at": "2025-02-01",
        "marketplace": "mercari",
        "fees": "",
        "shipping": "",
        "category": "",
    },
    {
        "title": "GoPro Hero 11",
        "bought_price": "150",
        "bought_at": "2025-02-11",
        "sold_price": "210.5",
        "sold_at": "2025-02-20",
        "marketplace": "mercari",
        "fees": "21.55",
        "shipping": "8",
        "category": "",
    },
]


def test_import_lands_good_rows_reports_bad_ones_and_never_duplicates(
    store: StateStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = write_sheet(tmp_path / "sales.csv", SHEET)
    code, out, err = run(capsys, "trades", "import", str(sheet))
    assert code == 2  # some rows were refused; the good ones landed anyway
    assert err.splitlines() == [
        f"{sheet}: row 4: bought_price must not be negative, got -900",
        f"{sheet}: row 5: sold_at 2025-02-01 is before bought_at 2025-02-10",
    ]
    assert "3 new trade(s)" in out and "2 row(s) refused" in out
    trades = listed(capsys)
    assert [(t["title"], t["status"], t["realized_profit"]) for t in trades] == [
        # 260 - (13.25% of 260 = 34.45, + 0.40) - 9.80 shipping - 180
        ("Nintendo Switch OLED", "sold", 35.35),
        ("Nintendo Switch OLED", "open", None),
        ("GoPro Hero 11", "sold", 30.95),
    ]

    code, out, _ = run(capsys, "trades", "import", str(sheet))
    assert "0 new trade(s), 0 sale(s) added to earlier imports, 3 already imported" in out
    assert listed(capsys) == trades

    # the sheet was updated: the second Switch sold, and the bad rows were fixed
    SHEET_NOW = [dict(row) for row in SHEET]
    SHEET_NOW[1].update(sold_price="255", sold_at="2025-03-01", marketplace="craigslist")
    SHEET_NOW[2].update(bought_price="900")
    SHEET_NOW[3].update(sold_at="2025-02-25")
    code, out, err = run(capsys, "trades", "import", str(write_sheet(sheet, SHEET_NOW)))
    assert (code, err) == (0, "")
    assert "2 new trade(s), 1 sale(s) added to earlier imports, 2 already imported" in out
    trades = listed(capsys)
    assert len(trades) == 5
    assert trades[1]["realized_profit"] == 75.0  # craigslist: no fees


def test_import_parquet_with_external_ids(
    store: StateStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "orders.parquet"
    pl.DataFrame(
        {
            "external_id": ["ord-1", "ord-2"],
            "title": ["Kindle Paperwhite", "AirPods Pro 2"],
            "bought_price": [35.0, 90.1],  # floats as a marketplace export writes them
            "bought_at": [date(2025, 4, 1), date(2025, 4, 2)],
            "sold_price": [79.99, None],
            "sold_at": ["2025-04-09", None],
            "marketplace": ["ebay", None],
            "currency": ["usd", "EUR"],
        }
    ).write_parquet(export)
    for expected in ("2 new trade(s)", "2 already imported"):
        code, out, err = run(capsys, "trades", "import", str(export))
        assert code == 0, err
        assert expected in out
    trades = listed(capsys)
    assert [(t["currency"], t["cost"], t["fees"]) for t in trades] == [
        ("USD", 35.0, 11.0),
        ("EUR", 90.1, None),  # 13.25% of 79.99 = 10.60, + 0.40
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,price\nx,1\n", "missing column(s) title, bought_price, bought_at"),
        (None, "cannot read"),
    ],
)
def test_import_of_an_unusable_file_exits_2_and_lands_nothing(
    store: StateStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "trades.csv"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "trades", "import", str(path))
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and message in err
    assert TradeLedger(store).all() == []


def test_list_csv_and_table(
    store: StateStore, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "trades", "buy", "1", "--price", "200", "--date", "2025-03-01")
    code, out, _ = run(capsys, "trades", "list", "--format", "csv")
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    assert (row["status"], row["cost"], row["realized_profit"], row["pred_p50"]) == (
        "open",
        "200.00",
        "",
        "440.0",
    )
    code, out, _ = run(capsys, "trades", "list")
    assert "iPhone 13 128GB" in out and "380–495 ebay" in out
