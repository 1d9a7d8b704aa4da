"""Which opportunities each saved search alerts, and sending each alert once.

Each (search, listing) is alerted once: the state store claims it before anything is sent and
releases the claim if delivery fails, so that a retry sends it. A later price drop of the
search's `realert_drop_pct` claims one more alert, saying so. Every candidate is vetted first
(OpenAI when configured, rules otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from arb_pipeline.alerts.delivery import DeliveryError, deliver
from arb_pipeline.alerts.email import render_alert, render_digest
from arb_pipeline.alerts.searches import Search
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.alerts.vetting import OpenAIVetter, vet
from arb_pipeline.alerts.webhook import post_webhook
from arb_pipeline.trades.digest import overdue_inventory
from arb_pipeline.trades.predictions import record_prediction
from arb_pipeline.warehouse import query

CANDIDATES_SQL = """
select *
from fct_opportunities
where exclusion_reason is null and profit_p10 > 0
order by profit desc
"""


@dataclass(frozen=True)
class Delivery:
    """Where alerts go and how they are signed."""

    outbox: Path
    sender: str
    sendgrid_api_key: str | None = None
    sendgrid_host: str | None = None
    webhook_secret: str | None = None
    dead_letter: Path | None = None


def load_candidates(warehouse: Path) -> list[dict[str, Any]]:
    """Opportunities that could be deals for some search, best profit first."""
    frame = query(warehouse, CANDIDATES_SQL)
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dicts()]


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
        elif previous and deal["price"] <= previous * (1 - search.realert_drop_pct / 100):
            due.append({**deal, "previous_price": previous})
    return due


def search_max_offer(deal: dict[str, Any], search: Search) -> float | None:
    """Highest asking price at which the p10 profit still meets the search's min_profit.

    fct_opportunities' max_offer is where the p10 profit is zero; each unit of price costs
    (1 + buyer fee rate) of profit, a rate read from the row (profit_p10 at the asking price
    over its distance to max_offer), else taken as 1, which errs low. Rounded down to cents.
    """
    break_even = deal.get("max_offer")
    if break_even is None or not search.min_profit:
        return break_even
    price, profit_p10 = deal.get("price"), deal.get("profit_p10")
    slope = 1.0
    if price is not None and profit_p10 is not None and break_even - price >= 1:
        slope = max(1.0, profit_p10 / (break_even - price))
    return max(math.floor((break_even - search.min_profit / slope) * 100 + 1e-6) / 100, 0.0)


def send_alert(
    deal: dict[str, Any],
    search: Search,
    store: StateStore,
    delivery: Delivery,
    openai: OpenAIVetter | None = None,
) -> str | None:
    """Vet, claim, deliver and record one alert with its proposal; None if nothing was sent."""
    verdict = vet(deal, openai)
    if not verdict.ok:
        return f"vetted out by {verdict.vetter}: {'; '.join(verdict.reasons)}"
    key = (search.name, deal["source"], deal["listing_id"])
    previous = None
    if "previous_price" in deal:
        previous = store.claim_realert(*key, deal["price"], search.realert_drop_pct)
        if previous is None:
            return None
    elif not store.claim_alert(*key, deal["price"]):
        return None
    opportunity = {
        **deal,
        "search": search.name,
        "max_offer": search_max_offer(deal, search),
        "vetted_by": verdict.vetter,
        "vetting_note": "; ".join(verdict.reasons) or None,
    }
    try:
        destinations = _deliver(opportunity, search, delivery)
    except Exception:
        store.release_alert(*key, previous)
        raise
    store.record_destination(*key, "; ".join(destinations) or "no channel")
    # the prediction is kept with the proposal: the trade bought on it is held to it later
    record_prediction(store, store.create_proposal(opportunity), opportunity)
    return "; ".join(destinations)


def expire_proposals(store: StateStore, warehouse: Path, max_age: timedelta) -> int:
    """Expire pending proposals whose listing left fct_opportunities (sold, ended, removed,
    no longer seen) or that waited longer than `max_age`; without a warehouse or with an empty
    table, by age only."""
    rows = []
    if warehouse.exists():
        rows = query(warehouse, "select source, listing_id from fct_opportunities").rows()
    return store.expire(max_age, {(source, str(lid)) for source, lid in rows} or None)


def _deliver(opportunity: dict[str, Any], search: Search, delivery: Delivery) -> list[str]:
    """Send one alert on each of the search's channels; return where it went."""
    if "webhook" in search.channels and not delivery.webhook_secret:
        raise DeliveryError(
            f"search {search.name!r} posts webhooks but ARB_WEBHOOK_SECRET is not set: "
            "set the secret receivers verify the signature with"
        )
    destinations = []
    if "email" in search.channels:
        message = render_alert(opportunity, delivery.sender, list(search.recipients))
        destinations.append(
            deliver(message, delivery.outbox, delivery.sendgrid_api_key, delivery.sendgrid_host)
        )
    if "webhook" in search.channels and search.webhook_url:
        result = post_webhook(
            search.webhook_url,
            opportunity,
            delivery.webhook_secret,
            dead_letter=delivery.dead_letter or delivery.outbox / "webhook_dead_letter.jsonl",
        )
        destinations.append(f"webhook {'ok' if result.ok else 'failed'} ({search.webhook_url})")
    return destinations


def send_digest(
    search: Search, day: date, store: StateStore, warehouse: Path, delivery: Delivery
) -> str:
    """Email the search's recipients every deal it alerted on `day` (UTC), and the open
    inventory past its predicted days to sell."""
    start = datetime.combine(day, datetime.min.time(), UTC)
    sent = set(store.alerted_between(search.name, start, start + timedelta(days=1)))
    rows = query(warehouse, "select * from fct_opportunities").to_dicts()
    deals = [
        {key: _plain(value) for key, value in row.items()}
        for row in rows
        if (row["source"], row["listing_id"]) in sent
    ]
    message = render_digest(
        search.name,
        deals,
        day.isoformat(),
        delivery.sender,
        list(search.recipients),
        overdue=overdue_inventory(warehouse),
    )
    return deliver(message, delivery.outbox, delivery.sendgrid_api_key, delivery.sendgrid_host)


def _plain(value: Any) -> Any:
    """Decimals from DuckDB as floats, so templates and JSON treat them as numbers."""
    return float(value) if value.__class__.__name__ == "Decimal" else value
