"""Alerts: a sensor that turns new deals into one alert run per (search, listing)."""

from datetime import UTC, date, datetime, time, timedelta

import dagster as dg

from arb_pipeline.alerts.deals import (
    Delivery,
    due_alerts,
    load_candidates,
    send_alert,
    send_digest,
)
from arb_pipeline.alerts.operator import email_sender, notify_failure
from arb_pipeline.alerts.searches import Search, load_searches
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.alerts.vetting import vetter_from_env
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource
from arb_pipeline.paths import ArbHome


def enabled_searches(settings: AlertSettings, home: ArbHome) -> list[Search]:
    """The enabled searches of the configured searches file."""
    return [search for search in load_searches(settings.searches_path(home)) if search.enabled]


def delivery_for(home: ArbHome, settings: AlertSettings) -> Delivery:
    """Where alerts go, with secrets read at run time."""
    return Delivery(
        outbox=home.outbox,
        sender=settings.sender,
        sendgrid_api_key=settings.api_key(),
        sendgrid_host=settings.sendgrid_host,
        webhook_secret=settings.webhook_secret(),
    )


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
    openai = vetter_from_env(home.root / "vetting_cache.db")
    outcome = send_alert(deal, search, store, delivery_for(home, alert_settings), openai)
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


class DigestConfig(dg.Config):
    """The search and the UTC day to summarise."""

    search: str
    day: str


@dg.op
def send_search_digest(
    context: dg.OpExecutionContext,
    config: DigestConfig,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> None:
    """Email one search's daily digest of the deals it alerted that day."""
    home = arb_home.home()
    search = next(s for s in enabled_searches(alert_settings, home) if s.name == config.search)
    destination = send_digest(
        search,
        date.fromisoformat(config.day),
        StateStore.from_env(home.root),
        home.warehouse,
        delivery_for(home, alert_settings),
    )
    context.log.info(f"digest of {search.name} for {config.day}: {destination}")


@dg.job(description="Email one saved search's daily digest.")
def digest_job() -> None:
    send_search_digest()


@dg.schedule(
    cron_schedule="*/15 * * * *",
    job=digest_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Sends each search's daily digest at its digest_time (UTC), once a day.",
)
def daily_digests(
    context: dg.ScheduleEvaluationContext,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> list[dg.RunRequest]:
    """Searches whose digest_time falls in the 15 minutes up to this tick."""
    tick = (context.scheduled_execution_time or datetime.now(UTC)).astimezone(UTC)
    requests = []
    for search in enabled_searches(alert_settings, arb_home.home()):
        if not search.digest_time:
            continue
        due = datetime.combine(tick.date(), time.fromisoformat(search.digest_time), UTC)
        if tick - timedelta(minutes=15) < due <= tick:
            day = tick.date().isoformat()
            requests.append(
                dg.RunRequest(
                    run_key=f"digest:{search.name}:{day}",
                    run_config={
                        "ops": {
                            "send_search_digest": {"config": {"search": search.name, "day": day}}
                        }
                    },
                )
            )
    return requests


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Emails the operator (ARB_OPERATOR_EMAIL) when a run fails, "
    "at most once per failing asset per hour.",
)
def operator_failure_email(
    context: dg.RunFailureSensorContext,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> None:
    """Mail the failing assets (or the job) of a failed run."""
    home = arb_home.home()
    run = context.dagster_run
    failing = sorted(key.to_user_string() for key in run.asset_selection or []) or [run.job_name]
    error = context.failure_event.message or "no error message"
    settings = alert_settings
    send = email_sender(home.outbox, settings.sender, settings.api_key(), settings.sendgrid_host)
    notify_failure(
        home.root / "operator_alerts.json", failing, run.run_id, error, datetime.now(UTC), send
    )
