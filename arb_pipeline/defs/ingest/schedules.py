"""Ingest schedules: scrape every source every 15 minutes, prune old archives daily."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from arb_pipeline.defs.ingest.assets import ingest_sandbox_job, raw_listings, raw_pages
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.ingest import prune_archive
from arb_pipeline.sources.registry import SANDBOX_SOURCES


@dg.schedule(
    cron_schedule="*/15 * * * *",
    job=ingest_sandbox_job,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Fetch and parse today's partition of every sandbox source every 15 minutes.",
)
def scrape_every_15_minutes(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """One run per source for today's partition."""
    moment = context.scheduled_execution_time or datetime.now(UTC)
    day = moment.astimezone(UTC).date().isoformat()
    return [
        dg.RunRequest(
            run_key=f"{source}:{moment.isoformat()}",
            partition_key=dg.MultiPartitionKey({"date": day, "source": source}),
        )
        for source in SANDBOX_SOURCES
    ]


class PruneConfig(dg.Config):
    """How many days of raw pages to keep in the archive."""

    keep_days: int = 30


@dg.op
def prune_old_archives(
    context: dg.OpExecutionContext, config: PruneConfig, arb_home: ArbHomeResource
) -> None:
    """Delete archived raw pages older than keep_days (their parsed listings stay in the lake)."""
    removed = prune_archive(arb_home.home(), config.keep_days, datetime.now(UTC).date())
    context.log.info(f"removed {len(removed)} archived partition(s)")


@dg.job(description="Delete archived raw pages older than the retention window.")
def prune_archive_job() -> None:
    prune_old_archives()


prune_archive_daily = dg.ScheduleDefinition(
    job=prune_archive_job,
    cron_schedule="30 3 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Prune the raw-page archive every night.",
)

raw_listings_freshness = dg.build_last_update_freshness_checks(
    assets=[raw_pages, raw_listings], lower_bound_delta=timedelta(hours=2)
)
