"""Which opportunities deserve an alert, and sending each (search, listing) alert once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arb_pipeline.alerts.delivery import deliver
from arb_pipeline.alerts.email import render_alert
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.warehouse import query

DEALS_SQL = """
select *
from fct_opportunities
where exclusion_reason is null
    and margin >= ?
    and profit >= ?
    and profit_p10 > 0
order by profit desc
"""


@dataclass(frozen=True)
class DealRule:
    """A saved search's thresholds and where its alerts go."""

    search: str
    min_margin: float
    min_profit: float
    sender: str
    recipients: tuple[str, ...]


def find_deals(warehouse: Path, rule: DealRule) -> list[dict[str, Any]]:
    """Opportunities that pass the rule's thresholds, best profit first."""
    frame = query(warehouse, DEALS_SQL, [rule.min_margin, rule.min_profit])
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dicts()]


def unalerted(deals: list[dict[str, Any]], store: StateStore, search: str) -> list[dict[str, Any]]:
    """Deals this search has not alerted yet."""
    done = store.alerted(search)
    return [deal for deal in deals if (deal["source"], deal["listing_id"]) not in done]


def send_alert(
    deal: dict[str, Any],
    rule: DealRule,
    store: StateStore,
    outbox: Path,
    sendgrid_api_key: str | None = None,
    sendgrid_host: str | None = None,
) -> str | None:
    """Alert once: claim, deliver, record, and open a pending proposal; None if already sent."""
    if not store.claim_alert(rule.search, deal["source"], deal["listing_id"], deal["price"]):
        return None
    opportunity = {**deal, "search": rule.search}
    message = render_alert(opportunity, rule.sender, list(rule.recipients))
    destination = deliver(message, outbox, sendgrid_api_key, sendgrid_host)
    store.record_destination(rule.search, deal["source"], deal["listing_id"], destination)
    store.create_proposal(opportunity)
    return destination


def _plain(value: Any) -> Any:
    """Decimals from DuckDB as floats, so templates and JSON treat them as numbers."""
    return float(value) if value.__class__.__name__ == "Decimal" else value
