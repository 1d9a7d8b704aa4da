"""A saved search's daily digest: the deals it alerted that day, and inventory held too long."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from arb_pipeline.alerts.delivery import deliver
from arb_pipeline.alerts.email import render_digest
from arb_pipeline.alerts.selection import plain
from arb_pipeline.alerts.sending import Delivery
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.searches import Search
from arb_pipeline.trades.digest import overdue_inventory
from arb_pipeline.warehouse import query


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
