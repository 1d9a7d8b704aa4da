"""Alerts: a sensor that turns new deals into one alert run per (search, listing)."""

import dagster as dg

from arb_pipeline.alerts.deals import Delivery, due_alerts, load_candidates, send_alert
from arb_pipeline.alerts.searches import Search, load_searches
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.alerts.vetting import vetter_from_env
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource
from arb_pipeline.paths import ArbHome


def enabled_searches(settings: AlertSettings, home: ArbHome) -> list[Search]:
    """The enabled searches of the configured searches file."""
    return [search for search in load_searches(settings.searches_path(home)) if search.enabled]


class DealAlertConfig(dg.Config):
    """The search and the opportunity to alert on."""

    search: str
    listing_key: str


@dg.op
def send_deal_alert(
    context: dg.OpExecutionContext,
    config: DealAlertConfig,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> None:
    """Vet and send one deal (at most once per search and listing) and record a proposal."""
    home = arb_home.home()
    search = next(s for s in enabled_searches(alert_settings, home) if s.name == config.search)
    store = StateStore.from_env(home.root)
    due = due_alerts(search, load_candidates(home.warehouse), store)
    deal = next((deal for deal in due if deal["listing_key"] == config.listing_key), None)
    if deal is None:
        context.log.warning(f"{config.listing_key} is no longer due for {search.name}")
        return
    delivery = Delivery(
        outbox=home.outbox,
        sender=alert_settings.sender,
        sendgrid_api_key=alert_settings.api_key(),
        sendgrid_host=alert_settings.sendgrid_host,
        webhook_secret=alert_settings.webhook_secret(),
    )
    openai = vetter_from_env(home.root / "vetting_cache.db")
    outcome = send_alert(deal, search, store, delivery, openai)
    context.log.info(f"{search.name} {config.listing_key}: {outcome or 'already sent'}")


@dg.job(description="Vet and send one deal alert (email/webhook) and record its proposal.")
def deal_alert_job() -> None:
    send_deal_alert()


@dg.sensor(
    job=deal_alert_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="One alert run per new deal of each saved search (run key: search:listing).",
)
def deal_alert_sensor(
    context: dg.SensorEvaluationContext,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> dg.SensorResult:
    """Deals each enabled search matches and has not alerted (or that dropped in price)."""
    home = arb_home.home()
    if not home.warehouse.exists():
        return dg.SensorResult(skip_reason="no warehouse yet: build the warehouse assets first")
    candidates = load_candidates(home.warehouse)
    store = StateStore.from_env(home.root)
    requests = []
    for search in enabled_searches(alert_settings, home):
        for deal in due_alerts(search, candidates, store):
            drop = f":{deal['price']}" if "previous_price" in deal else ""
            requests.append(
                dg.RunRequest(
                    run_key=f"{search.name}:{deal['listing_key']}{drop}",
                    run_config={
                        "ops": {
                            "send_deal_alert": {
                                "config": {
                                    "search": search.name,
                                    "listing_key": deal["listing_key"],
                                }
                            }
                        }
                    },
                    tags={"search": search.name, "listing_key": deal["listing_key"]},
                )
            )
    if not requests:
        return dg.SensorResult(skip_reason="no new deals")
    return dg.SensorResult(run_requests=requests)
