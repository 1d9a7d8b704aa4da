"""Sending one alert: vet it, claim it, deliver it on the search's channels, record it.

Each (search, listing) is alerted once: the state store claims it before anything is sent and
releases the claim if delivery fails, so that a retry sends it. A later price drop of the
search's `realert_drop_pct` claims one more alert, saying so. Every candidate is vetted first
(OpenAI when configured, rules otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arb_pipeline.alerts.delivery import DeliveryError, deliver
from arb_pipeline.alerts.email import render_alert
from arb_pipeline.alerts.offers import search_max_offer
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.alerts.vetting import OpenAIVetter, vet
from arb_pipeline.alerts.webhook import post_webhook
from arb_pipeline.searches import Search


@dataclass(frozen=True)
class Delivery:
    """Where alerts go and how they are signed."""

    outbox: Path
    sender: str
    sendgrid_api_key: str | None = None
    sendgrid_host: str | None = None
    webhook_secret: str | None = None
    dead_letter: Path | None = None


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
    store.create_proposal(opportunity)
    return "; ".join(destinations)


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
