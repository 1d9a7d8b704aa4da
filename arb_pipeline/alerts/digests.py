"""A saved search's daily digest: the deals it alerted that day, and inventory held too long."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from arb_pipeline.alerts.delivery import deliver
from arb_pipeline.alerts.email import render_digest
from arb_pipeline.alerts.selection import plain
from arb_pipeline.alerts.sending import Delivery
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.searches import Search
from arb_pipeline.warehouse import query

OVERDUE_SQL = """
select trade_id, title, currency, days_held, pred_days_to_sell, cost::double as cost,
       listed_marketplace, listed_price::double as listed_price, repriced_p50,
       unrealized_profit
from mart_inventory
where past_predicted_days
order by days_held - pred_days_to_sell desc, trade_id
"""


def overdue_inventory(warehouse: Path) -> list[dict[str, Any]]:
    """Open trades past their predicted days to sell, most overdue first; none before the
    warehouse has the inventory mart."""
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        try:
            result = conn.sql(OVERDUE_SQL)
        except duckdb.CatalogException:
            return []
        return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def send_digest(
    search: Search, day: date, store: StateStore, warehouse: Path, delivery: Delivery
) -> str:
    """Email the search's recipients every deal it alerted on `day` (UTC), and the open
    inventory past its predicted days to sell."""
    start = datetime.combine(day, datetime.min.time(), UTC)
    sent = set(store.alerted_between(search.name, start, start + timedelta(days=1)))
    rows = query(warehouse, "select * from fct_opportunities").to_dicts()
    deals = [plain(row) for row in rows if (row["source"], row["listing_id"]) in sent]
    message = render_digest(
        search.name,
        deals,
        day.isoformat(),
        delivery.sender,
        list(search.recipients),
        overdue=overdue_inventory(warehouse),
    )
    return deliver(message, delivery.outbox, delivery.sendgrid_api_key, delivery.sendgrid_host)
