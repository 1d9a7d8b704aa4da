"""Which opportunities each saved search alerts: never alerted, or cheaper by its re-alert drop."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from arb_pipeline.searches import Search, realert_due
from arb_pipeline.warehouse import query

if TYPE_CHECKING:  # the store is only passed through
    from arb_pipeline.alerts.store import StateStore

CANDIDATES_SQL = """
select *
from fct_opportunities
where exclusion_reason is null and profit_p10 > 0
order by profit desc
"""


def load_candidates(warehouse: Path) -> list[dict[str, Any]]:
    """Opportunities that could be deals for some search, best profit first."""
    return [plain(row) for row in query(warehouse, CANDIDATES_SQL).to_dicts()]


def due_alerts(
    search: Search, candidates: list[dict[str, Any]], store: StateStore
) -> list[dict[str, Any]]:
    """Candidates the search matches that were never alerted, or dropped enough since."""
    alerted = store.alerted_prices(search.name)
    due = []
    for deal in candidates:
        if not search.matches(deal):
            continue
        previous = alerted.get((deal["source"], deal["listing_id"]), "never")
        if previous == "never":
            due.append(deal)
        elif realert_due(previous, deal["price"], search.realert_drop_pct):
            due.append({**deal, "previous_price": previous})
    return due


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A warehouse row with DuckDB's Decimals as floats, so templates and JSON see numbers."""
    return {
        key: float(value) if value.__class__.__name__ == "Decimal" else value
        for key, value in row.items()
    }
