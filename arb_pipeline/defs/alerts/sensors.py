"""Alert sensors and schedules: new deals per search, daily digests, proposal expiry,
failed-run emails."""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import dagster as dg

from arb_pipeline.alerts.digests import send_digest
from arb_pipeline.alerts.expiry import expire_proposals
from arb_pipeline.alerts.operator import email_sender, notify_failure
from arb_pipeline.alerts.selection import due_alerts, load_candidates
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.alerts.assets import (
    delivery_for,
    enabled_searches,
    search_alerts_job,
    searches_partitions,
)
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource, SavedSearches
from arb_pipeline.paths import ArbHome

BATCH_TAG = "arb/alert_batch"


def inputs_stamp(home: ArbHome, searches: Path) -> str:
    """Changes whenever the warehouse is republished or the searches file is edited or moved."""
    stamps = []
    for path in (home.warehouse, searches):
        stat = path.stat() if path.exists() else None
        stamps.append(f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}" if stat else "-")
    return "|".join([str(searches), *stamps])


# Ticks on every sensor-daemon loop (about every 5 s), so a deal is mailed seconds after
# fct_opportunities is republished; a tick whose inputs did not change only stats two files.
@dg.sensor(
    job=search_alerts_job,
    minimum_interval_seconds=1,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps one partition per saved search and runs a search when it has new deals.",
)
def deal_alert_sensor(
    context: dg.SensorEvaluationContext,
    arb_home: ArbHomeResource,
    saved_searches: SavedSearches,
) -> dg.SensorResult:
    """Sync search partitions with the searches file; request runs for searches with due deals."""
    home = arb_home.home()
    stamp = inputs_stamp(home, saved_searches.path(home))
    if stamp == context.cursor:
        return dg.SensorResult(
            cursor=stamp, skip_reason="warehouse and searches unchanged since the last tick"
        )
    searches = enabled_searches(saved_searches, home)
    known = set(context.instance.get_dynamic_partitions(searches_partitions.name))
    new = sorted({search.name for search in searches} - known)
    partitions = [searches_partitions.build_add_request(new)] if new else []
    if not home.warehouse.exists():
        return dg.SensorResult(
            dynamic_partitions_requests=partitions,
            cursor=stamp,
            skip_reason="no warehouse yet: build the warehouse assets first",
        )
    candidates = load_candidates(home.warehouse)
    store = StateStore.for_home(home)
    requests = []
    for search in searches:
        due = due_alerts(search, candidates, store)
        if due:
            fingerprint = ",".join(sorted(f"{d['listing_key']}@{d['price']}" for d in due))
            batch = f"{search.name}:{hashlib.sha1(fingerprint.encode()).hexdigest()[:12]}"
            # the same deals again after a failed run (delivery outage): a new key retries them
            failed = context.instance.get_runs_count(
                dg.RunsFilter(tags={BATCH_TAG: batch}, statuses=[dg.DagsterRunStatus.FAILURE])
            )
            requests.append(
                dg.RunRequest(
                    run_key=f"{batch}:retry{failed}" if failed else batch,
                    partition_key=search.name,
                    tags={BATCH_TAG: batch},
                )
            )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=partitions,
        cursor=stamp,
        skip_reason=None if requests else "no new deals",
    )


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
    saved_searches: SavedSearches,
) -> None:
    """Email one search's daily digest of the deals it alerted that day."""
    home = arb_home.home()
    search = next(s for s in enabled_searches(saved_searches, home) if s.name == config.search)
    destination = send_digest(
        search,
        date.fromisoformat(config.day),
        StateStore.for_home(home),
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
    saved_searches: SavedSearches,
) -> list[dg.RunRequest]:
    """Searches whose digest_time falls in the 15 minutes up to this tick."""
    tick = (context.scheduled_execution_time or datetime.now(UTC)).astimezone(UTC)
    requests = []
    for search in enabled_searches(saved_searches, arb_home.home()):
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


@dg.op
def expire_stale_proposals(
    context: dg.OpExecutionContext, arb_home: ArbHomeResource, alert_settings: AlertSettings
) -> None:
    """Expire pending proposals whose listing is gone or that waited too long."""
    home = arb_home.home()
    max_age = timedelta(days=alert_settings.proposal_max_age_days)
    expired = expire_proposals(StateStore.for_home(home), home.warehouse, max_age)
    context.log.info(f"expired {expired} pending proposal(s)")


@dg.job(description="Expire pending proposals whose listing is gone or that waited too long.")
def expire_proposals_job() -> None:
    expire_stale_proposals()


expire_proposals_schedule = dg.ScheduleDefinition(
    name="expire_proposals_hourly",
    job=expire_proposals_job,
    cron_schedule="7 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Hourly: pending proposals of sold/removed listings or older than "
    "proposal_max_age_days become expired.",
)


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
    """Mail the assets a failed run did not materialize (or its job, if it has no assets)."""
    home = arb_home.home()
    run = context.dagster_run
    failing = failed_assets(context.instance, run.run_id) or [run.job_name]
    errors = [
        _error_text(event.step_failure_data.error)
        for event in context.get_step_failure_events()
        if event.step_failure_data and event.step_failure_data.error
    ]
    errors += failed_check_reasons(context.instance, run.run_id)
    error = "\n\n".join(errors) or context.failure_event.message or "no error message"
    settings = alert_settings
    send = email_sender(
        home.outbox,
        settings.sender,
        settings.operator_emails(),
        settings.api_key(),
        settings.sendgrid_host(),
    )
    notify_failure(
        home.root / "operator_alerts.json", failing, run.run_id, error, datetime.now(UTC), send
    )


def _error_text(error: Any) -> str:
    """A step's error with the causes Dagster wraps it around, one message per line."""
    lines = []
    while error is not None:
        lines.append(error.message.strip())
        error = error.cause
    return "\n".join(lines)


def failed_check_reasons(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """What each failed asset check of the run said (e.g. "layout changed: craigslist: …")."""
    reasons = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if evaluation is not None and not evaluation.passed and evaluation.description:
            key = evaluation.asset_check_key
            reasons.append(f"{key.asset_key.to_user_string()} {key.name}: {evaluation.description}")
    return reasons


def failed_assets(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Assets the run planned to materialize but did not (failed, or skipped after a failure)."""

    def keys(event_type: dg.DagsterEventType) -> set[str]:
        return {
            entry.dagster_event.asset_key.to_user_string()
            for entry in instance.all_logs(run_id, of_type=event_type)
            if entry.dagster_event and entry.dagster_event.asset_key
        }

    planned = keys(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    return sorted(planned - keys(dg.DagsterEventType.ASSET_MATERIALIZATION))
