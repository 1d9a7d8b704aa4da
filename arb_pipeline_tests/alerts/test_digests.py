"""The daily digest lists open inventory held past its predicted days to sell."""

from __future__ import annotations

from pathlib import Path

import duckdb

from arb_pipeline.alerts.digests import overdue_inventory
from arb_pipeline.alerts.email import render_digest


def make_warehouse(path: Path) -> Path:
    """mart_inventory: a GoPro 40 days held of 12 predicted (listed), a Kindle 3 of 9, and a
    camera 75 of 20 never listed with no model price; title with markup to escape."""
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "create table mart_inventory as select * from (values"
            " (1, 'GoPro Hero 11', 'USD', 40, 12.0, true, 150.00::decimal(18,2), 'ebay',"
            "  199.00::decimal(18,2), 210.0, 31.77),"
            " (2, 'Kindle', 'USD', 3, 9.0, false, 35.00::decimal(18,2), null, null, 80.0, 34.0),"
            " (3, 'Sony <b>A7</b>', 'EUR', 75, 20.0, true, 900.00::decimal(18,2), null, null,"
            "  null, null))"
            " t(trade_id, title, currency, days_held, pred_days_to_sell, past_predicted_days,"
            "   cost, listed_marketplace, listed_price, repriced_p50, unrealized_profit)"
        )
    return path


def test_digest_lists_overdue_inventory_most_overdue_first(tmp_path: Path) -> None:
    overdue = overdue_inventory(make_warehouse(tmp_path / "warehouse.duckdb"))
    assert [item["trade_id"] for item in overdue] == [3, 1]  # 55 days over, then 28
    message = render_digest("phones", [], "2026-12-06", "arb@localhost", ["me@x"], overdue)
    text = message.get_body(("plain",)).get_content()
    assert "Open inventory past its predicted days to sell (2):" in text
    assert (
        "- GoPro Hero 11 (trade 1): held 40 days, predicted to sell in 12, cost USD 150.00, "
        "listed on ebay at 199.00, worth ~210.00 today (+31.77 if sold)"
    ) in text
    assert (
        "- Sony <b>A7</b> (trade 3): held 75 days, predicted to sell in 20, cost EUR 900.00, "
        "not listed yet"
    ) in text
    assert "Kindle" not in text
    body = message.get_body(("html",)).get_content()
    assert "Sony &lt;b&gt;A7&lt;/b&gt;" in body and "<b>A7</b>" not in body


def test_no_inventory_mart_no_section(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    assert overdue_inventory(warehouse) == []
    message = render_digest("phones", [], "2026-12-06", "arb@localhost", ["me@x"], [])
    assert "Open inventory" not in message.get_body(("plain",)).get_content()
