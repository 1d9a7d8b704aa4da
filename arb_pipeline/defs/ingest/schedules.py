"""Ingest schedules: the sandbox, each saved search on its marketplaces, archive pruning.

The sandbox is scraped every 15 minutes; each enabled saved search on the real marketplaces
it lists at its own interval (every_minutes); archives past their retention are pruned daily;
freshness checks run every 15 minutes so a stopped scraper turns red.
"""

import logging
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from arb_pipeline.archive import last_fetches, prune_archive
from arb_pipeline.defs.freshness import STALE_AFTER
from arb_pipeline.defs.ingest.assets import (
    ingest_sandbox_job,
    raw_pages,
    scrape_searches_job,
)
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.ingest import stopped_sources
from arb_pipeline.searches import Search, load_searches
from arb_pipeline.sources.registry import MARKETPLACE_SOURCES, SANDBOX_SOURCES

logger = logging.getLogger(__name__)


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


def search_cron(every_minutes: int) -> str:
    """A cron ticking every gcd(every_minutes, 60) minutes: evenly, and on every due minute."""
    step = math.gcd(every_minutes, 60)
    return {1: "* * * * *", 60: "0 * * * *"}.get(step, f"*/{step} * * * *")


def search_schedule(search: Search, name: str) -> dg.ScheduleDefinition:
    """Scrape today's partition of each real marketplace of `search` every every_minutes."""
    sources = [source for source in search.marketplaces if source in MARKETPLACE_SOURCES]
    every = search.every_minutes

    def run_requests(
        context: dg.ScheduleEvaluationContext,
    ) -> Iterator[dg.RunRequest | dg.SkipReason]:
        tick = context.scheduled_execution_time
        moment = (tick or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
        if tick is not None and int(moment.timestamp() // 60) % every:
            yield dg.SkipReason(f"{search.name} scrapes every {every} minutes: not due now")
            return
        for source in sources:
            yield dg.RunRequest(
                run_key=f"{search.name}:{source}:{moment.isoformat()}",
                partition_key=dg.MultiPartitionKey(
                    {"date": moment.date().isoformat(), "source": source}
                ),
                run_config={"ops": {"raw_pages": {"config": {"searches": [search.name]}}}},
                tags={"arb/search": search.name},
            )

    return dg.ScheduleDefinition(
        name=name,
        cron_schedule=search_cron(every),
        execution_timezone="UTC",
        job=scrape_searches_job,
        execution_fn=run_requests,
        default_status=dg.DefaultScheduleStatus.STOPPED,  # real sites: the user turns it on
        description=f"Scrape saved search {search.name!r} on {', '.join(sources)} "
        f"every {every} minutes (today's partitions).",
    )


def search_schedules(searches_file: Path) -> list[dg.ScheduleDefinition]:
    """One schedule per enabled search listing a real marketplace; none when the file is broken.

    A broken file must not take the code location down: the error (file:line: what is wrong)
    is logged, and no search schedule loads until the file is fixed and the location reloaded.
    """
    try:
        searches = load_searches(searches_file)
    except (OSError, ValueError) as error:
        logger.error(
            "no scrape schedules for saved searches: %s is invalid: %s", searches_file, error
        )
        return []
    schedules, names = [], set()
    for search in searches:
        if not search.enabled or not set(search.marketplaces) & set(MARKETPLACE_SOURCES):
            continue
        name = "scrape_search_" + re.sub(r"\W", "_", search.name)
        while name in names:  # "a-b" and "a_b" would collide
            name += "_"
        names.add(name)
        schedules.append(search_schedule(search, name))
    return schedules


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

RETIRED_AFTER = timedelta(days=7)


@dg.asset_check(
    asset=raw_pages,
    description=f"Every source fetched in the last {RETIRED_AFTER.days} days fetched again "
    f"within {STALE_AFTER.seconds // 3600} hours (the asset-level check only sees the newest "
    "partition of any source).",
)
def every_source_fresh(arb_home: ArbHomeResource) -> dg.AssetCheckResult:
    """Fail naming each source whose scraper stopped."""
    fetched = last_fetches(arb_home.home())
    stopped = stopped_sources(fetched, datetime.now(UTC), STALE_AFTER, RETIRED_AFTER)
    last = {source: moment.isoformat(timespec="seconds") for source, moment in fetched.items()}
    return dg.AssetCheckResult(
        passed=not stopped,
        metadata={
            "stopped": ", ".join(stopped) or "none",
            "last_fetch": dg.MetadataValue.json(last),
        },
    )


source_freshness_job = dg.define_asset_job(
    "check_source_freshness",
    selection=dg.AssetSelection.checks(every_source_fresh),
    description="Check that no source's scraper has stopped.",
)

source_freshness_every_15_minutes = dg.ScheduleDefinition(
    job=source_freshness_job,
    cron_schedule="*/15 * * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Run the per-source freshness check.",
)
