"""Alerts: one partition per saved search; materializing it sends that search's due alerts."""

import dagster as dg

from arb_pipeline.alerts.delivery import DeliveryError
from arb_pipeline.alerts.selection import due_alerts, load_candidates
from arb_pipeline.alerts.sending import Delivery, send_alert
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.alerts.resources import VettingResource
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource, SavedSearches
from arb_pipeline.paths import ArbHome
from arb_pipeline.searches import Search, load_searches


def enabled_searches(searches: SavedSearches, home: ArbHome) -> list[Search]:
    """The enabled searches of the configured searches file."""
    return [search for search in load_searches(searches.path(home)) if search.enabled]


def delivery_for(home: ArbHome, settings: AlertSettings) -> Delivery:
    """Where alerts go, with secrets read at run time."""
    return Delivery(
        outbox=home.outbox,
        sender=settings.sender,
        sendgrid_api_key=settings.api_key(),
        sendgrid_host=settings.sendgrid_host(),
        webhook_secret=settings.webhook_secret(),
    )


searches_partitions = dg.DynamicPartitionsDefinition(name="searches")


@dg.asset(
    partitions_def=searches_partitions,
    group_name="alerts",
    kinds={"email"},
    deps=[dg.AssetKey("fct_opportunities")],
    # a failed delivery releases its claim and fails the step; the retry sends what is left
    retry_policy=dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def search_alerts(
    context: dg.AssetExecutionContext,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
    saved_searches: SavedSearches,
    vetting: VettingResource,
) -> dg.MaterializeResult:
    """Alerts one saved search sent (vetted, each listing once); partition = search name."""
    home = arb_home.home()
    name = context.partition_key
    search = next((s for s in enabled_searches(saved_searches, home) if s.name == name), None)
    if search is None:
        context.log.warning(f"search {name!r} is paused or no longer in the searches file")
        return dg.MaterializeResult(metadata={"sent": 0, "paused": True})
    store = StateStore.for_home(home)
    openai = vetting.vetter(home.root / "vetting_cache.db")
    delivery = delivery_for(home, alert_settings)
    sent, vetted_out, failed = [], [], []
    for deal in due_alerts(search, load_candidates(home.warehouse), store):
        try:
            outcome = send_alert(deal, search, store, delivery, openai)
        except DeliveryError as error:
            failed.append(f"{deal['title']}: {error}")
            context.log.error(f"{name} {deal['listing_key']}: not delivered: {error}")
            continue
        if outcome and outcome.startswith("vetted out"):
            vetted_out.append(f"{deal['title']}: {outcome}")
        elif outcome:
            sent.append(f"{deal['title']} at {deal['price']} {deal['currency']}: {outcome}")
        context.log.info(f"{name} {deal['listing_key']}: {outcome or 'already sent'}")
    if failed:
        raise dg.Failure(
            f"{len(failed)} alert(s) of {name!r} not delivered ({len(sent)} sent); "
            "they stay due and are retried",
            metadata={"not delivered": dg.MetadataValue.md("\n".join(f"- {f}" for f in failed))},
        )
    return dg.MaterializeResult(
        metadata={
            "sent": len(sent),
            "vetted_out": len(vetted_out),
            "alerts": dg.MetadataValue.md("\n".join(f"- {line}" for line in sent) or "none"),
            "vetting": dg.MetadataValue.md("\n".join(f"- {line}" for line in vetted_out) or "none"),
        }
    )


search_alerts_job = dg.define_asset_job(
    "search_alerts_job",
    selection=[search_alerts],
    description="Send one saved search's due alerts (run or backfill a search on its own).",
)
