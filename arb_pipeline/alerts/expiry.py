"""Expiring purchase proposals nobody can act on any more."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.warehouse import query


def expire_proposals(store: StateStore, warehouse: Path, max_age: timedelta) -> int:
    """Expire pending proposals whose listing left fct_opportunities (sold, ended, removed,
    no longer seen) or that waited longer than `max_age`; without a warehouse or with an empty
    table, by age only."""
    rows = []
    if warehouse.exists():
        rows = query(warehouse, "select source, listing_id from fct_opportunities").rows()
    return store.expire(max_age, {(source, str(lid)) for source, lid in rows} or None)
