"""The user's own sales as comps: read from a real DuckDB warehouse, weighted 3 to 1."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from arb_pipeline.trades.comps import OWN_SALE_WEIGHT, own_sales, with_own_sales


def make_warehouse(path: Path) -> Path:
    """fct_trades with one sold trade from a scraped listing, one imported sale and one open
    trade; fct_listings with the scraped listing's product and description."""
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "create table fct_trades as select * from (values"
            " (1, 'sold', 'iPhone 13 128GB', 455.00::decimal(18,2), 'USD', 'good', 'Phones',"
            "  date '2026-11-20', 'ebay', 'sandbox_ebay_api', 'L-1'),"
            " (2, 'sold', 'Switch OLED', 260.00::decimal(18,2), 'USD', 'unknown', 'Consoles',"
            "  date '2026-10-20', 'mercari', null, null),"
            " (3, 'open', 'GoPro 11', null, 'USD', 'good', 'Cameras', null, null, null, null))"
            " t(trade_id, status, title, proceeds, currency, condition, category, sold_at,"
            "   sold_marketplace, source, listing_id)"
        )
        conn.execute(
            "create table fct_listings as select 'sandbox_ebay_api' as source, 'L-1' as"
            " listing_id, 'Apple' as brand, 'sig:iphone 13 128gb' as product_id,"
            ' \'{"description": "boxed, 92% battery"}\' as attributes'
        )
    return path


def test_own_sales_become_weighted_comps(tmp_path: Path) -> None:
    sales = own_sales(make_warehouse(tmp_path / "warehouse.duckdb"))
    assert sales.select("title", "price", "product_id", "description", "marketplace").rows() == [
        ("iPhone 13 128GB", 455.0, "sig:iphone 13 128gb", "boxed, 92% battery", "ebay"),
        ("Switch OLED", 260.0, None, None, "mercari"),
    ]
    comps = pl.DataFrame(
        {"title": ["iPhone 13 128GB blue"], "price": [410.0], "currency": ["USD"], "brand": ["x"]}
    )
    training = with_own_sales(comps, sales)
    assert training.columns == comps.columns  # the model's columns, nothing more
    assert training.height == 1 + 2 * OWN_SALE_WEIGHT == 7
    assert training["price"].to_list() == [410.0] + [455.0, 260.0] * OWN_SALE_WEIGHT


def test_no_trades_yet_leaves_the_comps_alone(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    comps = pl.DataFrame({"title": ["a"], "price": [1.0]})
    assert with_own_sales(comps, own_sales(warehouse)).equals(comps)
