"""The prediction a purchase was made on, read from the warehouse when the trade is recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

# where the opportunity's expected days to sell may live, newest naming first
DAYS_COLUMNS = ("pred_days_to_sell", "days_to_sell", "expected_days_to_sell")


def prediction_for(warehouse: Path, source: str, listing_id: str) -> dict[str, Any] | None:
    """p10/p50/p90, exit marketplace, category, condition and expected days to sell of the
    listing's opportunity; None when there is no warehouse or the listing is not in it."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            columns = {row[0] for row in conn.sql("describe fct_opportunities").fetchall()}
            days = next((c for c in DAYS_COLUMNS if c in columns), None)
            tables = {row[0] for row in conn.sql("show tables").fetchall()}
            if days is not None:
                days_sql, join = f"o.{days}", ""
            elif "mart_product_price_stats" in tables:
                # the product's median days from listed to sold in this condition
                days_sql = "s.median_days_to_sell"
                join = (
                    "left join mart_product_price_stats s"
                    " on s.product_id = o.product_id and s.condition = o.condition"
                )
            else:
                days_sql, join = "null", ""
            row = conn.execute(
                f"select o.pred_p10, o.pred_p50, o.pred_p90, o.exit_marketplace,"
                f" o.category_raw as category, o.condition, {days_sql} as days_to_sell"
                f" from fct_opportunities o {join}"
                " where o.source = ? and o.listing_id = ? limit 1",
                [source, listing_id],
            ).fetchone()
    except duckdb.Error:
        return None  # a warehouse mid-rebuild or without the table: the trade has no prediction
    if row is None:
        return None
    names = ("pred_p10", "pred_p50", "pred_p90", "exit_marketplace", "category", "condition")
    prediction = dict(zip((*names, "days_to_sell"), row, strict=True))
    for name in ("pred_p10", "pred_p50", "pred_p90", "days_to_sell"):
        if prediction[name] is not None:
            prediction[name] = float(prediction[name])
    return prediction
